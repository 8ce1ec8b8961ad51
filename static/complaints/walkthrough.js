// The walkthrough form on a phone: autosave to the server as the officer types,
// and turn a checklist answer that points to a problem into a finding.
(function () {
  var form = document.querySelector("[data-walkthrough-form]");
  if (!form) { return; }
  var status = document.querySelector("[data-autosave-status]");
  var timer = null;
  var saving = false;
  var pending = false;

  function payload() {
    var data = new FormData(form);
    // Photos go with an explicit save, not with every keystroke.
    Array.from(form.querySelectorAll("input[type=file]")).forEach(function (input) { data.delete(input.name); });
    data.delete("submit");
    return data;
  }

  // A copy of the form in this browser (localStorage) from the moment something is typed
  // until the server has it: a reload, a crash or a dead network between two autosaves
  // loses nothing. Restored on the next load of the same record, then saved as usual.
  var mirrorKey = "qinqing.walkthrough:" + form.getAttribute("data-autosave-url");
  var edits = 0;
  function mirror() {
    var entries = [];
    payload().forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") { entries.push([name, value]); }
    });
    try { window.localStorage.setItem(mirrorKey, JSON.stringify(entries)); } catch (e) { /* storage full or off */ }
  }
  function forgetMirror() {
    try { window.localStorage.removeItem(mirrorKey); } catch (e) { /* nothing kept */ }
  }
  function restoreMirror() {
    var entries;
    try { entries = JSON.parse(window.localStorage.getItem(mirrorKey) || "null"); } catch (e) { entries = null; }
    if (!entries || !entries.length) { return false; }
    var values = {};
    entries.forEach(function (entry) { (values[entry[0]] = values[entry[0]] || []).push(entry[1]); });
    // Rows added before the reload: add them again so their fields exist.
    form.querySelectorAll("[data-formset-add]").forEach(function (button) {
      var name = button.getAttribute("data-formset-add");
      var total = form.querySelector("input[name='" + name + "-TOTAL_FORMS']");
      var wanted = parseInt((values[name + "-TOTAL_FORMS"] || ["0"])[0], 10);
      while (total && parseInt(total.value, 10) < wanted && window.qinqingAddFormsetRow(button)) { /* add */ }
    });
    Array.from(form.elements).forEach(function (field) {
      var name = field.name;
      // Ids of findings and the formsets' counters come from the server, never from the copy.
      if (!name || name === "csrfmiddlewaretoken" || /-id$|_FORMS$/.test(name) || field.type === "file") { return; }
      if (field.type === "submit" || field.type === "button") { return; }
      var kept = values[name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = kept.indexOf(field.value) !== -1;
      } else if (field.multiple) {
        Array.from(field.options).forEach(function (option) { option.selected = kept.indexOf(option.value) !== -1; });
      } else if (kept.length) {
        field.value = kept[0];
      }
    });
    return true;
  }

  function save(leaving) {
    clearTimeout(timer);
    timer = null;
    if (saving) { pending = true; return; }
    saving = true;
    var sentEdits = edits;
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      body: payload(),
      headers: { "X-Autosave": "1", "X-Requested-With": "fetch" },
      credentials: "same-origin",
      // Lets the last save finish when the officer leaves the page (keepalive bodies are
      // limited to 64 KB, so only then; the browser's copy covers a larger one).
      keepalive: leaving === true,
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok && result.body.saved && result.body.url) {
        // The first input created the draft: from now on the form lives at its own address
        // (a reload or the buttons reach the draft, not a new one), and so does the browser's copy.
        forgetMirror();
        form.setAttribute("data-autosave-url", result.body.url);
        form.setAttribute("action", result.body.url);
        mirrorKey = "qinqing.walkthrough:" + result.body.url;
        window.history.replaceState(null, "", result.body.url);
      }
      if (result.ok && !result.body.saved && !(result.body.errors || []).length) {
        // Nothing typed yet (all cleared): nothing to save, no draft created.
      } else if (result.ok && result.body.saved) {
        // New findings now exist on the server: remember their ids so they are not created twice.
        (result.body.findings || []).forEach(function (id, index) {
          var input = form.querySelector("input[name='findings-" + index + "-id']");
          if (input && id) { input.value = id; }
        });
        status.textContent = status.getAttribute("data-saved-label").replace("%s", result.body.saved_at);
        if (edits === sentEdits) { forgetMirror(); } else { mirror(); }
      } else {
        status.textContent = status.getAttribute("data-error-label") + " " + (result.body.errors || []).join("；");
      }
    }).catch(function () {
      status.textContent = status.getAttribute("data-offline-label");
    }).finally(function () {
      saving = false;
      if (submitAfterSave !== null) {
        var submitter = submitAfterSave;
        submitAfterSave = null;
        pending = false;
        if (!form.getAttribute("action")) { form.setAttribute("action", form.getAttribute("data-autosave-url")); }
        form.requestSubmit(submitter);
        return;
      }
      if (pending) { pending = false; schedule(); }
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  }

  function edited() { edits += 1; mirror(); schedule(); }
  form.addEventListener("input", edited);
  // Typed in the last moment before a reload, a tab switch or the phone locking the screen:
  // save now rather than after the pause, so nothing typed is lost.
  var submitting = false;
  var submitAfterSave = null;
  form.addEventListener("submit", function (event) {
    // A form not saved yet whose first autosave is on its way: wait for it, so the button
    // posts to the draft it creates instead of creating a second one.
    if (saving && !form.getAttribute("action")) {
      event.preventDefault();
      submitAfterSave = event.submitter || null;
      return;
    }
    submitting = true; clearTimeout(timer); timer = null; forgetMirror();
  });
  function flush() { if (timer !== null && !submitting) { save(true); } }
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { flush(); } });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file") { edited(); }
    var fieldset = event.target.closest("[data-question]");
    if (fieldset && event.target.type === "radio") {
      var problem = event.target.value === fieldset.getAttribute("data-problem-answer");
      fieldset.querySelector("[data-make-finding]").classList.toggle("d-none", !problem);
    }
  });

  if (restoreMirror()) {
    status.textContent = status.getAttribute("data-restored-label");
    edited();
  }

  document.querySelectorAll("[data-question]").forEach(function (fieldset) {
    var checked = fieldset.querySelector("input[type=radio]:checked");
    if (checked && checked.value === fieldset.getAttribute("data-problem-answer")) {
      fieldset.querySelector("[data-make-finding]").classList.remove("d-none");
    }
    fieldset.querySelector("[data-make-finding]").addEventListener("click", function () {
      var add = form.querySelector("[data-formset-add='findings']");
      var row = window.qinqingAddFormsetRow(add);
      if (!row) { return; }
      var comment = fieldset.querySelector("input[type=text]").value;
      row.querySelector("textarea[name$='-description']").value =
        fieldset.getAttribute("data-question-text") + (comment ? "：" + comment : "");
      var select = row.querySelector("select[name$='-question']");
      if (select) { select.value = fieldset.getAttribute("data-question"); }
      edited();
    });
  });

  // 已答 N/M: how much of the checklist is done, as the officer taps.
  var progress = document.querySelector("[data-checklist-progress]");
  if (progress) {
    var total = progress.getAttribute("data-total");
    var template = progress.textContent.replace(/\d+\/\d+/, "{n}/" + total);
    var recount = function () {
      var answered = form.querySelectorAll("fieldset[data-question] input[type=radio]:checked").length;
      progress.textContent = template.replace("{n}", answered);
    };
    form.addEventListener("change", recount);
  }

  var errors = document.querySelector("[data-errors]");
  if (errors) { errors.focus(); }
})();
