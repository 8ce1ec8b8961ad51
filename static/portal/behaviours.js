// Page behaviours declared with data- attributes, so templates carry no inline
// script or on…= handlers (the Content-Security-Policy allows neither).
//   <button data-print>                 prints the page
//   <select data-submit-on-change>      submits its form when changed
//   <form data-confirm="question">      asks before submitting
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
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
