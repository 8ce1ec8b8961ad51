// Adds rows to a Django formset in place ("再添加一项任务"), keeping what is typed.
(function () {
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    var form = button.closest("form");
    var template = form.querySelector("template[data-formset-template]");
    var container = form.querySelector("[data-formset-forms]");
    var total = form.querySelector("input[name$='-TOTAL_FORMS']");
    var max = form.querySelector("input[name$='-MAX_NUM_FORMS']");
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = container.lastElementChild.querySelector("input, textarea, select");
      if (added) { added.focus(); }
    });
  });
})();
