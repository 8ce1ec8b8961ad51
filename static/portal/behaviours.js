// Page behaviours declared with data- attributes, so templates carry no inline
// script or on…= handlers (the Content-Security-Policy allows neither).
//   <button data-print>                 prints the page
//   <select data-submit-on-change>      submits its form when changed
//   <form data-confirm="question">      asks before submitting (or on its submit button)
//   <div class="table-responsive">      when its table is wider than the screen, the box
//                                       can be focused and scrolled with the keyboard
(function () {
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-submit-on-change]");
    if (field && field.form) { field.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = event.target.getAttribute("data-confirm") || (button && button.getAttribute("data-confirm"));
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  // A wide table scrolls inside its box: keyboard users reach it with Tab and scroll it with
  // the arrow keys, and a screen reader names it by the table's caption.
  function scrollableTables() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (caption) { box.setAttribute("aria-label", caption.textContent.trim()); }
        box.setAttribute("data-scrollable", "");
      } else if (!scrolls && box.hasAttribute("data-scrollable")) {
        ["tabindex", "role", "aria-label", "data-scrollable"].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }
  scrollableTables();
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(scrollableTables, 100);
  });
})();
