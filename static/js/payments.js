// The Payments tab's two conveniences (loaded by its pages; delegated, so they also work inside
// the dialog): typing an "Other amount" picks "Other amount…" in the Amount list, and a
// [data-print] button prints the receipt. Without JavaScript the form explains both.
"use strict";

document.addEventListener("input", (event) => {
  const input = event.target.closest("[data-choose-other]");
  if (!input || !input.value.trim()) return;
  const select = document.getElementById(input.dataset.chooseOther);
  if (select) select.value = "other";
});

document.addEventListener("click", (event) => {
  if (event.target.closest("button[data-print]")) window.print();
});
