// Offline filters: hide findings and matrix rows that do not match.
(function () {
  var sev = document.getElementById("f-severity");
  var rule = document.getElementById("f-rule");
  var file = document.getElementById("f-file");
  var onlyFlagged = document.getElementById("f-flagged");
  function apply() {
    var shown = 0;
    document.querySelectorAll(".finding").forEach(function (el) {
      var ok = (!sev.value || el.dataset.severity === sev.value) &&
               (!rule.value || el.dataset.rule === rule.value) &&
               (!file.value || el.dataset.path === file.value);
      el.classList.toggle("hidden", !ok);
      if (ok) { shown++; }
    });
    document.querySelectorAll("tr.pmtable").forEach(function (el) {
      var ok = (!file.value || el.dataset.path === file.value) &&
               (!onlyFlagged.checked || el.classList.contains("flagged"));
      el.classList.toggle("hidden", !ok);
    });
    document.getElementById("shown").textContent = String(shown);
  }
  [sev, rule, file, onlyFlagged].forEach(function (el) { el.addEventListener("change", apply); });
  apply();
})();
