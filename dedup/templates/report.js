(function () {
  "use strict";
  var q = document.getElementById("q");
  var outlet = document.getElementById("outlet");
  var label = document.getElementById("label");
  var status = document.getElementById("status");
  var none = document.getElementById("none");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.cluster"));
  var timer = null;
  function apply() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var o = outlet.value ? "|" + outlet.value + "|" : "";
    var l = label.value ? "|" + label.value + "|" : "";
    var shown = 0;
    cards.forEach(function (card) {
      var text = card.getAttribute("data-search");
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
        (!o || card.getAttribute("data-outlets").indexOf(o) !== -1) &&
        (!l || card.getAttribute("data-labels").indexOf(l) !== -1);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var total = cards.length.toLocaleString("en-US") + (cards.length === 1 ? " story" : " stories");
    status.textContent = shown === cards.length ? total : shown + " of " + total;
    none.hidden = shown !== 0;
  }
  function later() { clearTimeout(timer); timer = setTimeout(apply, 120); }
  q.addEventListener("input", later);
  outlet.addEventListener("change", apply);
  label.addEventListener("change", apply);
  function setOpen(open) {
    cards.forEach(function (card) {
      if (card.hidden) { return; }
      card.querySelectorAll("details.evidence").forEach(function (d) { d.open = open; });
    });
  }
  document.getElementById("expand").addEventListener("click", function () { setOpen(true); });
  document.getElementById("collapse").addEventListener("click", function () { setOpen(false); });
}());
