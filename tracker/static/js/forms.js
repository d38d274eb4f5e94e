// Forms made easier to fill; every form still works without this file.
// - a date typed as text ("2007年6月" is a month) gets the browser's date picker beside it;
// - a long department list gets a filter box; a list of checkboxes a filter too.
// Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  document.querySelectorAll("input[data-date-text]").forEach(function (text) {
    var picker = document.createElement("input");
    picker.type = "date";
    picker.className = "form-control date-picker";
    picker.setAttribute("aria-label", "从日历选择" + (text.labels && text.labels[0] ? text.labels[0].textContent.replace("*", "").trim() : "日期"));
    if (/^\d{4}-\d{2}-\d{2}$/.test(text.value)) { picker.value = text.value; }
    picker.addEventListener("change", function () {
      if (picker.value) { text.value = picker.value; text.dispatchEvent(new Event("change")); }
    });
    var row = document.createElement("div");
    row.className = "date-row";
    text.parentNode.insertBefore(row, text);
    row.appendChild(text);
    row.appendChild(picker);
  });

  function filter(items, words, textOf) {
    var wanted = words.trim().toLowerCase();
    items.forEach(function (item) {
      item.hidden = wanted !== "" && textOf(item).toLowerCase().indexOf(wanted) === -1;
    });
  }

  document.querySelectorAll("select[data-filterable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = "输入名称筛选";
    box.setAttribute("aria-label", "筛选" + (select.labels && select.labels[0] ? select.labels[0].textContent.replace("*", "").trim() : ""));
    select.parentNode.insertBefore(box, select);
    var options = Array.prototype.slice.call(select.options);
    box.addEventListener("input", function () {
      filter(options, box.value, function (o) { return o.text; });
    });
  });

  document.querySelectorAll("input[data-filter-choices]").forEach(function (box) {
    var list = document.getElementById(box.getAttribute("data-filter-choices"));
    var items = Array.prototype.slice.call(list.querySelectorAll(".form-check"));
    box.addEventListener("input", function () {
      filter(items, box.value, function (item) { return item.textContent; });
    });
  });
})();
