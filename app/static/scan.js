/* Scan-gun screen. The scanner types a code or label URL and presses Enter, and each
   scan is posted at once to the trace actions endpoint. The page shows the result line,
   a running count and, on "Done", a summary. Field values stay between scans. */
(function () {
  "use strict";

  var station = document.getElementById("scan-station");
  if (!station) {
    return;
  }
  var text = station.dataset;
  var input = document.getElementById("scan-input");
  var fieldsForm = document.getElementById("step-fields");
  var log = document.getElementById("scan-log");
  var last = document.getElementById("scan-last");
  var count = document.getElementById("scan-count");
  var context = document.getElementById("scan-context");
  var summary = document.getElementById("scan-summary");
  var batchButton = document.getElementById("batch-button");
  var state = { applied: 0, refused: 0, refusals: [], shipmentId: null, box: null, busy: false, queue: [] };

  function fieldValues() {
    var values = {};
    if (!fieldsForm) {
      return values;
    }
    Array.prototype.forEach.call(fieldsForm.elements, function (element) {
      if (element.name) {
        values[element.name] = element.value.trim();
      }
    });
    if (values.destination_enterprise_id) {
      values.destination_enterprise_id = parseInt(values.destination_enterprise_id, 10);
    } else {
      delete values.destination_enterprise_id;
    }
    return values;
  }

  function showCount() {
    count.textContent = text.textApplied + " " + state.applied + " · " + text.textRefused + " " + state.refused;
  }

  function addLine(ok, message) {
    var item = document.createElement("li");
    item.className = ok ? "text-success" : "text-danger";
    item.textContent = (ok ? "✓ " : "✗ ") + message;
    log.insertBefore(item, log.firstChild);
    last.className = "alert " + (ok ? "alert-success" : "alert-danger");
    last.textContent = message;
  }

  function showContext() {
    var parts = [];
    if (state.box) {
      var labelUrl = text.labelUrl.replace("CODE", encodeURIComponent(state.box));
      context.innerHTML = "";
      var link = document.createElement("a");
      link.href = labelUrl;
      link.target = "_blank";
      link.textContent = text.textLabel;
      context.appendChild(document.createTextNode(text.textBox + ": " + state.box + " "));
      context.appendChild(link);
      return;
    }
    if (state.shipmentId) {
      parts.push(text.textShipment + ": #" + state.shipmentId);
    }
    context.textContent = parts.join(" ");
  }

  function handleOutcome(outcome) {
    outcome.results.forEach(function (result) {
      // Name the code on every line, also when the message does not.
      var message = result.message.indexOf(result.code) === -1 ? result.code + " · " + result.message : result.message;
      if (result.applied) {
        state.applied += 1;
      } else {
        state.refused += 1;
        state.refusals.push(message);
      }
      addLine(result.applied, message);
    });
    if (outcome.shipment_id) {
      state.shipmentId = outcome.shipment_id;
    }
    if (outcome.box) {
      state.box = outcome.box;
      var boxField = document.getElementById("field-box");
      if (boxField) {
        boxField.value = outcome.box;
      }
    }
    showContext();
    showCount();
  }

  function send(body) {
    state.busy = true;
    var request = new XMLHttpRequest();
    request.open("POST", text.applyUrl);
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRFToken", text.csrf);
    request.onload = function () {
      var data = null;
      try {
        data = JSON.parse(request.responseText);
      } catch (error) {
        data = null;
      }
      if (request.status === 200 && data && data.results) {
        handleOutcome(data);
      } else {
        state.refused += 1;
        var message = (data && data.message) || text.textFailed;
        state.refusals.push(message);
        addLine(false, message);
        showCount();
      }
      next();
    };
    request.onerror = function () {
      addLine(false, text.textFailed);
      next();
    };
    request.send(JSON.stringify(body));
  }

  function next() {
    state.busy = false;
    input.focus();
    if (state.queue.length) {
      send(state.queue.shift());
    }
  }

  function submit(body) {
    body.action = text.action;
    var values = fieldValues();
    Object.keys(values).forEach(function (name) {
      if (name !== "batch" && body[name] === undefined) {
        body[name] = values[name];
      }
    });
    if (text.action === "ship" && state.shipmentId) {
      body.shipment_id = state.shipmentId;
    }
    // Scans arriving while a request runs wait in order, so none is lost.
    if (state.busy) {
      state.queue.push(body);
    } else {
      send(body);
    }
  }

  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") {
      return;
    }
    event.preventDefault();
    var code = input.value.trim();
    input.value = "";
    if (code) {
      submit({ codes: [code] });
    }
  });

  if (batchButton) {
    batchButton.addEventListener("click", function () {
      var batch = document.getElementById("field-batch").value.trim();
      if (batch) {
        submit({ codes: [], batch: batch });
      }
    });
  }

  document.getElementById("scan-done").addEventListener("click", function () {
    var body = summary.querySelector(".panel-body");
    body.innerHTML = "";
    var heading = document.createElement("h4");
    heading.textContent = text.textSummary;
    body.appendChild(heading);
    var totals = document.createElement("p");
    totals.textContent =
      state.applied + state.refused === 0
        ? text.textEmpty
        : text.textApplied + " " + state.applied + " · " + text.textRefused + " " + state.refused;
    body.appendChild(totals);
    var list = document.createElement("ul");
    state.refusals.forEach(function (message) {
      var item = document.createElement("li");
      item.className = "text-danger";
      item.textContent = message;
      list.appendChild(item);
    });
    body.appendChild(list);
    if (context.textContent) {
      var more = document.createElement("p");
      more.textContent = context.textContent;
      body.appendChild(more);
    }
    summary.hidden = false;
    state.applied = 0;
    state.refused = 0;
    state.refusals = [];
    state.shipmentId = null;
    state.box = null;
    var boxField = document.getElementById("field-box");
    if (boxField) {
      boxField.value = "";
    }
    log.innerHTML = "";
    context.textContent = "";
    showCount();
    input.focus();
  });

  showCount();
  input.focus();
})();
