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

  function save() {
    if (saving) { pending = true; return; }
    saving = true;
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      body: payload(),
      headers: { "X-Autosave": "1", "X-Requested-With": "fetch" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok && result.body.saved) {
        // New findings now exist on the server: remember their ids so they are not created twice.
        (result.body.findings || []).forEach(function (id, index) {
          var input = form.querySelector("input[name='findings-" + index + "-id']");
          if (input && id) { input.value = id; }
        });
        status.textContent = status.getAttribute("data-saved-label").replace("%s", result.body.saved_at);
      } else {
        status.textContent = status.getAttribute("data-error-label") + " " + (result.body.errors || []).join("；");
      }
    }).catch(function () {
      status.textContent = status.getAttribute("data-offline-label");
    }).finally(function () {
      saving = false;
      if (pending) { pending = false; schedule(); }
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file") { schedule(); }
    var fieldset = event.target.closest("[data-question]");
    if (fieldset && event.target.type === "radio") {
      var problem = event.target.value === fieldset.getAttribute("data-problem-answer");
      fieldset.querySelector("[data-make-finding]").classList.toggle("d-none", !problem);
    }
  });

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
      schedule();
    });
  });

  var errors = document.querySelector("[data-errors]");
  if (errors) { errors.focus(); }
})();
