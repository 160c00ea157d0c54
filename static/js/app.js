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
    focusFirstProblem(dialog);
  }

  // After a refused save, the first field in error (scrolled into view), else the error summary;
  // in a dialog with no error, its first field. The summary is a live region (role="alert"), so
  // what was refused is read out as well.
  function focusFirstProblem(root, fallback = true) {
    const first = root.querySelector("[aria-invalid='true']") ||
      root.querySelector("[role='alert']") ||
      (fallback && root.querySelector(
        "input:not([type='hidden']), select, textarea, button:not([data-close-dialog]), a[href]"));
    if (!first) return;
    if (first.matches("[role='alert']")) first.setAttribute("tabindex", "-1");
    first.focus();
    first.scrollIntoView({ block: "center" });
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

  // The portal colour: say as it is picked when it cannot reach 3:1 on white (the same rule and
  // words as portal/theme.py, which says it when the form is shown).
  function luminance(hex) {
    const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.id) return;
    const note = document.querySelector(`[data-contrast-warning="${input.id}"]`);
    if (!note || !/^#[0-9a-f]{6}$/i.test(input.value)) return;
    const ratio = 1.05 / (luminance(input.value) + 0.05);
    note.textContent = ratio < 3 ? note.dataset.message.replace("{ratio}", ratio.toFixed(1)) : "";
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

  // Tab and Shift+Tab stay inside an open dialog (wrapping at either end).
  function focusable(root) {
    return [...root.querySelectorAll(
      "a[href], button:not([disabled]), input:not([type='hidden']):not([disabled]), select:not([disabled]), " +
      "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])")]
      .filter((el) => el.getClientRects().length && !el.closest("[hidden]"));
  }

  document.addEventListener("keydown", (event) => {
    const dialog = modal();
    if (event.key !== "Tab" || !dialog || !dialog.open) return;
    const items = focusable(dialog);
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      first.focus();
    }
  });

  // Focus goes back where it came from: the link that opened the dialog, or, when that link sat in
  // a drop-down menu that has closed since, the menu's button.
  function restoreFocus() {
    if (!opener || !opener.isConnected) { document.getElementById("main")?.focus(); return; }
    const menu = opener.closest("details");
    const target = opener.getClientRects().length ? opener : (menu && menu.querySelector("summary"));
    (target || document.getElementById("main"))?.focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    syncDeleteButtons();
    revealScriptedControls(document);
    markScrollRegions();
    const main = document.getElementById("main");
    if (main) focusFirstProblem(main, false);
    const dialog = modal();
    if (dialog) {
      dialog.addEventListener("close", () => {
        dialog.innerHTML = "";
        restoreFocus();
      });
    }
  });

  // A table wider than its card scrolls sideways; keyboard users reach it with Tab and scroll it
  // with the arrow keys, and screen readers hear it as a named region.
  function markScrollRegions() {
    document.querySelectorAll(".table-scroll").forEach((box) => {
      if (box.scrollWidth > box.clientWidth + 1) {
        const heading = box.closest("section")?.querySelector("h1, h2, h3");
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", `${heading ? heading.textContent.trim() : "Table"} (scrolls sideways)`);
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  let resizeTimer;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(markScrollRegions, 150);
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
