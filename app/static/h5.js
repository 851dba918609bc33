/* Small helpers for the H5 pages: the camera scanner and "clear cache".
 * No framework and no outside script. Every visible text is in the page (translated there). */
(function () {
  "use strict";

  /* The camera scanner uses the browser's BarcodeDetector where it exists (Chrome on
   * Android, recent WebViews). Elsewhere the block stays hidden and the code box is used. */
  function setUpScanner(root) {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return;
    }
    var start = root.querySelector("[data-scanner-start]");
    var video = root.querySelector("[data-scanner-video]");
    var error = root.querySelector("[data-scanner-error]");
    var form = document.querySelector(".h5-scan-form");
    root.hidden = false;

    start.addEventListener("click", function () {
      var detector;
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (e) {
        error.hidden = false;
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        start.hidden = true;
        return video.play().then(function () { poll(detector, stream); });
      }).catch(function () {
        error.hidden = false;
      });
    });

    function poll(detector, stream) {
      detector.detect(video).then(function (codes) {
        if (codes.length) {
          stream.getTracks().forEach(function (track) { track.stop(); });
          form.elements.code.value = codes[0].rawValue;
          form.submit();
          return;
        }
        window.setTimeout(function () { poll(detector, stream); }, 250);
      }).catch(function () {
        window.setTimeout(function () { poll(detector, stream); }, 500);
      });
    }
  }

  /* "Clear cache" empties what this site keeps in the browser: local and session storage
   * and the Cache Storage of the page. The login session cookie is left alone. */
  function setUpClearCache(button) {
    button.addEventListener("click", function () {
      try { window.localStorage.clear(); } catch (e) { /* storage disabled */ }
      try { window.sessionStorage.clear(); } catch (e) { /* storage disabled */ }
      var done = function () { button.querySelector("[data-clear-cache-done]").hidden = false; };
      if (window.caches && window.caches.keys) {
        window.caches.keys().then(function (names) {
          return Promise.all(names.map(function (name) { return window.caches.delete(name); }));
        }).then(done, done);
      } else {
        done();
      }
    });
  }

  document.querySelectorAll("[data-scanner]").forEach(setUpScanner);
  document.querySelectorAll("[data-clear-cache]").forEach(setUpClearCache);
})();
