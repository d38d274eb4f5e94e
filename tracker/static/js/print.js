// A "打印" button: the browser's print dialog (saving as PDF is one of its choices). Loaded as a
// file, not inline: the CSP allows no inline script.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
