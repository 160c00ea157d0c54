// The panel's few lines of behaviour. Everything works without it: dialogs are pages, deletes
// submit plain forms. With it, a[data-dialog] opens its page inside the native <dialog>.
"use strict";

(function () {
  const DIALOG_HEADER = { "X-Dialog": "1" };
  let opener = null;

  function modal() { return document.getElementById("modal"); }

  async function showInDialog(response) {
    const dialog = modal();
    dialog.innerHTML = await response.text();
    if (!dialog.open) dialog.showModal();
    const first = dialog.querySelector("[aria-invalid='true'], input:not([type='hidden']), select, textarea, button:not([data-close-dialog]), a[href]");
    if (first) first.focus();
  }

  async function openDialog(link) {
    opener = link;
    const response = await fetch(link.href, { headers: DIALOG_HEADER, credentials: "same-origin" });
    if (!response.ok || response.redirected) { window.location.href = link.href; return; }
    await showInDialog(response);
  }

  async function submitInDialog(form) {
    const response = await fetch(form.action || window.location.href, {
      method: "POST", body: new FormData(form), headers: DIALOG_HEADER, credentials: "same-origin",
    });
    if (response.redirected) { window.location.href = response.url; return; }
    if (response.status >= 500) { form.submit(); return; }
    await showInDialog(response);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-dialog]");
    if (link && modal() && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      openDialog(link);
      return;
    }
    if (event.target.closest("[data-close-dialog]")) modal().close();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const confirmText = form.dataset.confirm;
    if (confirmText && !window.confirm(confirmText)) { event.preventDefault(); return; }
    if (form.closest("dialog") && form.method === "post") {
      event.preventDefault();
      submitInDialog(form);
    }
  });

  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll(`input[name="selected"][form="${all.dataset.selectAll}"]`)
        .forEach((box) => { box.checked = all.checked; });
    }
    syncDeleteButtons();
  });

  function syncDeleteButtons() {
    document.querySelectorAll("button[data-needs-selection]").forEach((button) => {
      const form = button.form;
      button.disabled = !document.querySelector(`input[name="selected"][form="${form.id}"]:checked`);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    syncDeleteButtons();
    const dialog = modal();
    if (dialog) {
      dialog.addEventListener("close", () => {
        dialog.innerHTML = "";
        if (opener) opener.focus();
      });
    }
  });
})();
