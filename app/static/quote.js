// Optional: quote a phrase by selecting it in the clause, with the mouse, by touch or with the
// keyboard. Without this script the quote field is typed or pasted into, as before.
(function () {
  var text = document.getElementById("clause-text");
  var field = document.querySelector("#comment-form input[name=quote]");
  var help = document.getElementById("quote-help");
  if (!text || !field || !window.getSelection) return;
  var inside = function (node) { return !!node && text.contains(node); };
  text.tabIndex = 0;  // reachable by Tab, so the arrow keys below can select
  if (help) { help.hidden = false; text.setAttribute("aria-describedby", "quote-help"); }
  document.addEventListener("selectionchange", function () {
    var s = window.getSelection();
    if (!s.rangeCount || s.isCollapsed || !inside(s.anchorNode) || !inside(s.focusNode)) return;
    var words = s.toString().replace(/\s+/g, " ").trim();
    if (words) field.value = words.slice(0, 1000);
  });
  // Keyboard: the arrows move word by word through the text, with Shift they select.
  text.addEventListener("keydown", function (e) {
    if ((e.key !== "ArrowRight" && e.key !== "ArrowLeft") || e.altKey || e.metaKey) return;
    var s = window.getSelection();
    if (!s.modify) return;
    if (!inside(s.focusNode)) s.collapse(text, 0);
    s.modify(e.shiftKey ? "extend" : "move", e.key === "ArrowRight" ? "forward" : "backward", "word");
    e.preventDefault();
  });
})();
