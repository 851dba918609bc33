// Code request screens: live product search in the request form, and progress
// updates in the request list while codes are being generated.
(function () {
  "use strict";

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span;
  }

  function cell(row, child) {
    var td = document.createElement("td");
    if (child) { td.appendChild(child); }
    row.appendChild(td);
  }

  function renderProducts(tbody, items, selected) {
    tbody.innerHTML = "";
    items.forEach(function (item) {
      var row = document.createElement("tr");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "product_id";
      radio.value = item.id;
      radio.id = "product-" + item.id;
      radio.checked = String(item.id) === selected;
      cell(row, radio);
      cell(row, text(item.id));
      var image = null;
      if (item.thumbnail_url) {
        image = document.createElement("img");
        image.src = item.thumbnail_url;
        image.alt = "";
        image.className = "product-thumbnail";
        image.width = 48;
        image.height = 48;
      }
      cell(row, image);
      var label = document.createElement("label");
      label.htmlFor = radio.id;
      label.textContent = item.name;
      cell(row, label);
      cell(row, text(item.product_code));
      cell(row, text(item.price));
      cell(row, text(item.code_count.toLocaleString()));
      cell(row, text(item.batch_count));
      tbody.appendChild(row);
    });
  }

  function setUpPicker() {
    var search = document.getElementById("product-search");
    var table = document.getElementById("product-picker");
    if (!search || !table) { return; }
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var checked = table.querySelector("input[name=product_id]:checked");
        var selected = checked ? checked.value : "";
        fetch(search.dataset.url + "?q=" + encodeURIComponent(search.value), { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (items) { renderProducts(table.tBodies[0], items, selected); });
      }, 250);
    });
  }

  function setUpProgress() {
    var table = document.getElementById("code-requests");
    if (!table || !table.dataset.progressUrl) { return; }
    function poll() {
      fetch(table.dataset.progressUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (items) {
          var running = false;
          items.forEach(function (item) {
            var row = document.getElementById("request-" + item.id);
            if (!row) { return; }
            var percent = item.total ? Math.round(1000 * item.generated / item.total) / 10 : 0;
            var bar = row.querySelector(".progress-bar");
            if (bar) {
              bar.style.width = percent + "%";
              bar.querySelector(".progress-text").textContent =
                item.generated.toLocaleString() + " / " + item.total.toLocaleString();
            }
            if (item.status === "approved" || item.status === "generating") { running = true; }
            else if (row.dataset.status !== item.status) {
              row.querySelector(".request-status").textContent = item.status_label;
            }
          });
          if (running) { setTimeout(poll, 2000); }
        });
    }
    setTimeout(poll, 2000);
  }

  setUpPicker();
  setUpProgress();
})();
