// Adds rows to a Django formset in place, keeping what is typed.
// A button [data-formset-add="name"] adds to [data-formset-forms="name"] from
// <template data-formset-template="name">; without a name, the form's only formset.
(function () {
  function scoped(form, attribute, name) {
    return form.querySelector(name ? "[" + attribute + '="' + name + '"]' : "[" + attribute + "]");
  }
  window.qinqingAddFormsetRow = function (button) {
    var name = button.getAttribute("data-formset-add");
    var form = button.closest("form");
    var template = scoped(form, "data-formset-template", name);
    var container = scoped(form, "data-formset-forms", name);
    var total = form.querySelector("input[name$='" + (name ? name + "-" : "") + "TOTAL_FORMS']");
    var max = form.querySelector("input[name$='" + (name ? name + "-" : "") + "MAX_NUM_FORMS']");
    var index = parseInt(total.value, 10);
    if (max && index >= parseInt(max.value, 10)) { return null; }
    container.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    var row = container.lastElementChild;
    var first = row.querySelector("input:not([type=hidden]), textarea, select");
    if (first) { first.focus(); }
    return row;
  };
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.addEventListener("click", function () { window.qinqingAddFormsetRow(button); });
  });
})();
