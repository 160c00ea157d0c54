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
    revealScriptedControls(dialog);
    if (!dialog.open) dialog.showModal();
    // After a refused save, the first field in error (scrolled into view), else the first field.
    const first = dialog.querySelector("[aria-invalid='true']") ||
      dialog.querySelector("[role='alert']") ||
      dialog.querySelector("input:not([type='hidden']), select, textarea, button:not([data-close-dialog]), a[href]");
    if (first) {
      if (first.matches("[role='alert']")) first.setAttribute("tabindex", "-1");
      first.focus();
      first.scrollIntoView({ block: "center" });
    }
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
    const target = response.headers.get("X-Dialog-Redirect");
    if (target) { window.location.href = target; return; }
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
    const closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog[open]")) {
      event.preventDefault();
      closer.closest("dialog").close();
      return;
    }
    const generator = event.target.closest("[data-generate-password]");
    if (generator) fillGeneratedPassword(generator);
  });

  // A strong password that meets the panel's rules, shown once in the field for copying.
  function generatePassword(length = 20) {
    const sets = ["abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "@$!%*#?&"];
    const all = sets.join("");
    const pick = (chars) => chars[crypto.getRandomValues(new Uint32Array(1))[0] % chars.length];
    const chars = sets.map(pick);
    while (chars.length < length) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i--) {
      const j = crypto.getRandomValues(new Uint32Array(1))[0] % (i + 1);
      [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join("");
  }

  function fillGeneratedPassword(button) {
    const input = document.getElementById(button.dataset.generatePassword);
    if (!input) return;
    input.type = "text";
    input.value = generatePassword();
    input.focus();
    input.select();
    const note = button.parentElement.querySelector("[data-generated-note]");
    if (note) note.hidden = false;
  }

  // Buttons that only work with JavaScript stay hidden without it.
  function revealScriptedControls(root) {
    root.querySelectorAll("[data-generate-password][hidden]").forEach((b) => { b.hidden = false; });
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    // A button with its own formaction (a list's "refresh the selected") asks only its own question.
    const submitter = event.submitter;
    const own = submitter && submitter.hasAttribute("formaction");
    const confirmText = own
      ? submitter.dataset.confirm
      : (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (confirmText && !window.confirm(confirmText)) { event.preventDefault(); return; }
    // A button that waits on an outside server (Test Email) says so and cannot be pressed twice.
    if (submitter && submitter.dataset.busy) {
      submitter.disabled = true;
      submitter.textContent = submitter.dataset.busy;
    }
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
    revealScriptedControls(document);
    const dialog = modal();
    if (dialog) {
      dialog.addEventListener("close", () => {
        dialog.innerHTML = "";
        if (opener) opener.focus();
      });
    }
  });
})();

// Menus (<details class="menu">): choosing an entry closes the menu; so does a click elsewhere.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (!menu.contains(event.target) || event.target.closest(".menu__list a")) menu.open = false;
  });
});

// Copy buttons: <button data-copy="input-id"> copies that input's value and says so.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  const status = button.closest(".form-row")?.querySelector(".copy-field__status");
  let copied = false;
  try {
    await navigator.clipboard.writeText(input.value);
    copied = true;
  } catch {
    input.select();
    copied = document.execCommand("copy");
  }
  if (status) status.textContent = copied ? "Copied." : "Select the address and copy it.";
});
