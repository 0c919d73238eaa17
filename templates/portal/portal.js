// The portal's one script (served from our origin: the CSP allows no inline script). Every page
// works without it; with it:
// - the chosen files are listed in Chinese (the browser's own file button may speak another language);
// - a form marked data-keep keeps its answers in this browser (localStorage, keyed by the link's
//   address) as they are typed, and fills them in again when the page is opened anew (a dropped
//   connection, a closed tab, a submit over the size limit); never the files, the hidden CSRF
//   token or a code (fields marked autocomplete=off: the assignment code, the staff code).
//   The receipt page (data-submitted) clears them;
// - a sectioned form counts the answered questions per section and in the submit bar, and
//   offers a jump to the next unanswered one.
(function () {
  "use strict";
  var KEY = "portal-answers:" + location.pathname;
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }  // disabled, or a sandbox
  }

  function kept(el) {
    var type = (el.type || "").toLowerCase();
    return el.name && !el.disabled && type !== "file" && type !== "hidden" && type !== "password" &&
      type !== "submit" && type !== "button" && el.getAttribute("autocomplete") !== "off";
  }

  function collect(form) {
    var answers = {};
    each(form.elements, function (el) {
      if (!kept(el)) { return; }
      if (el.type === "checkbox") {
        answers[el.name] = answers[el.name] || [];
        if (el.checked) { answers[el.name].push(el.value); }
      } else if (el.type === "radio") {
        if (el.checked) { answers[el.name] = el.value; }
      } else if (el.value) {
        answers[el.name] = el.value;
      }
    });
    return answers;
  }

  function save(form) {
    var store = storage();
    if (!store) { return; }
    try {
      store.setItem(KEY, JSON.stringify({ saved: Date.now(), answers: collect(form) }));
    } catch (e) { /* full (a very long text): what was saved before stays */ }
  }

  // Fills the kept answers in. They are the newest the browser has: a refused submit's page holds
  // the same answers, and a fresh page only the server's defaults (such as a proposed rating).
  function restore(form) {
    var store = storage();
    var saved = null;
    try { saved = store && JSON.parse(store.getItem(KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.answers) { return; }
    var answers = saved.answers;
    each(form.elements, function (el) {
      if (!kept(el) || !Object.prototype.hasOwnProperty.call(answers, el.name)) { return; }
      var value = answers[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = Array.isArray(value) ? value.indexOf(el.value) !== -1 : value === el.value;
      } else if (typeof value === "string") {
        el.value = value;
      }
    });
  }

  function radioGroups(root) {
    var names = [];
    each(root.querySelectorAll("input[type=radio]"), function (el) {
      if (names.indexOf(el.name) === -1) { names.push(el.name); }
    });
    return names;
  }

  function answered(form, name) {
    return Array.prototype.some.call(form.elements, function (o) { return o.name === name && o.checked; });
  }

  function count(form) {
    each(form.querySelectorAll("details.part"), function (part) {
      var out = part.querySelector("summary [data-count]");
      if (!out) { return; }
      var names = radioGroups(part);
      var done = names.filter(function (n) { return answered(form, n); }).length;
      out.textContent = "已答 " + done + "/" + names.length;
      out.classList.toggle("done", done === names.length);
    });
    var bar = form.querySelector(".submitbar [data-count]");
    if (bar) {
      var items = radioGroups(form).filter(function (n) { return n.indexOf("item_") === 0; });
      var done = items.filter(function (n) { return answered(form, n); }).length;
      bar.textContent = "已答 " + done + "/" + items.length;
      bar.classList.toggle("done", done === items.length);
    }
    var next = form.querySelector(".submitbar .next");
    if (next) { next.hidden = radioGroups(form).every(function (n) { return answered(form, n); }); }
  }

  function jumpToNext(form) {
    var name = radioGroups(form).filter(function (n) { return !answered(form, n); })[0];
    if (!name) { return; }
    var input = form.querySelector("input[type=radio][name='" + name + "']");
    var part = input.closest("details");
    if (part) { part.open = true; }
    var box = input.closest("fieldset") || input;
    box.scrollIntoView({ block: "start" });  // at the top (its scroll-margin): the item itself, not the one before it
    input.focus({ preventScroll: true });
  }

  function pickers() {
    each(document.querySelectorAll(".picker"), function (picker) {
      var input = picker.querySelector("input[type=file]");
      var out = picker.querySelector("output");
      if (!input || !out) { return; }
      function show() {
        var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
        out.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "未选择文件";
      }
      input.addEventListener("change", show);
      show();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("js");
    pickers();
    // A refused submission: the list of what to change is the first thing seen (on a phone it
    // sat a screen and a half below the brief, and the page looked as if nothing had happened).
    var refused = document.getElementById("errors");
    if (refused) {
      refused.setAttribute("tabindex", "-1");
      refused.scrollIntoView({ block: "start" });
      refused.focus({ preventScroll: true });
    }
    if (document.querySelector("[data-submitted]")) {
      var store = storage();
      if (store) { try { store.removeItem(KEY); } catch (e) { /* nothing kept */ } }
    }
    each(document.querySelectorAll("form[data-keep]"), function (form) {
      restore(form);
      var changed = function () { save(form); count(form); };
      form.addEventListener("input", changed);
      form.addEventListener("change", changed);
      var next = form.querySelector(".submitbar .next");
      if (next) {
        next.addEventListener("click", function (e) { e.preventDefault(); jumpToNext(form); });
      }
      count(form);
    });
  });
})();
