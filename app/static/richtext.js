/* A small rich-text editor for textareas marked with data-richtext.
 *
 * The textarea stays the form field: the editor copies its HTML into it on every
 * change and again before submit, and the server sanitises whatever arrives. Only one
 * of the two is shown: the class suyuan-richtext-hidden (richtext.css) hides the other,
 * because Bootstrap's .form-control { display: block } overrides the hidden attribute. Without JavaScript the textarea is used
 * as is. Labels come from data-label-* attributes so they are translated by Babel.
 *
 * NOTE: document.execCommand is deprecated but still implemented by Chromium, Firefox,
 * Safari and WeChat's browser; it has no replacement short of a full editor framework.
 * Pictures inside the text are not uploaded here: the gallery is where product images go.
 */
(function () {
  "use strict";

  var COMMANDS = [
    ["bold", "fa-bold", null],
    ["italic", "fa-italic", null],
    ["heading", "fa-header", "h3"],
    ["paragraph", "fa-paragraph", "p"],
    ["insertUnorderedList", "fa-list-ul", null],
    ["insertOrderedList", "fa-list-ol", null],
    ["createLink", "fa-link", null],
    ["removeFormat", "fa-eraser", null],
  ];

  function button(label, icon, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-default btn-sm";
    element.title = label || "";
    element.innerHTML = '<i class="fa ' + icon + '"></i>';
    element.addEventListener("click", onClick);
    return element;
  }

  function enhance(textarea) {
    var labels = textarea.dataset;
    var toolbar = document.createElement("div");
    toolbar.className = "btn-toolbar suyuan-richtext-toolbar";
    var group = document.createElement("div");
    group.className = "btn-group";
    toolbar.appendChild(group);

    var editor = document.createElement("div");
    editor.className = "form-control suyuan-richtext-editor";
    editor.contentEditable = "true";
    editor.innerHTML = textarea.value;

    COMMANDS.forEach(function (spec) {
      var command = spec[0];
      group.appendChild(
        button(labels["label" + command.charAt(0).toUpperCase() + command.slice(1)], spec[1], function () {
          editor.focus();
          if (command === "createLink") {
            var url = window.prompt(labels.labelLinkPrompt || "URL", "https://");
            if (url) document.execCommand("createLink", false, url);
          } else if (spec[2]) {
            document.execCommand("formatBlock", false, spec[2]);
          } else {
            document.execCommand(command, false, null);
          }
        })
      );
    });

    var showingSource = false;

    function show(source) {
      showingSource = source;
      textarea.classList.toggle("suyuan-richtext-hidden", !source);
      textarea.hidden = !source;
      editor.classList.toggle("suyuan-richtext-hidden", source);
      editor.hidden = source;
    }

    toolbar.appendChild(
      button(labels.labelSource, "fa-code", function () {
        if (showingSource) {
          editor.innerHTML = textarea.value;
        } else {
          textarea.value = editor.innerHTML;
        }
        show(!showingSource);
      })
    );

    // The shown box contains the text: the editor copies each change into the
    // field, and in source mode the field itself is edited.
    editor.addEventListener("input", function () {
      textarea.value = editor.innerHTML;
    });
    textarea.form.addEventListener("submit", function () {
      if (!showingSource) textarea.value = editor.innerHTML;
    });

    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(editor, textarea);
    show(false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-richtext]"), enhance);
  });
})();
