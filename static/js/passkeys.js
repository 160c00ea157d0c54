// Passkeys (WebAuthn) in the browser, for forms marked data-passkey="create" (add a passkey) or
// data-passkey="get" (sign in, the second step, confirming a removal). Submitting such a form
// (except with a button marked data-no-passkey) first asks the server for options
// (data-options-url, POST with the form's CSRF token and data-purpose), runs the ceremony with
// navigator.credentials, puts the browser's answer (JSON) in the form's hidden *credential
// field and submits the form for real: the server verifies everything. Served from static/
// under the strict CSP (no inline script).
"use strict";

(() => {
  const supported = typeof window.PublicKeyCredential === "function" && !!navigator.credentials;

  const toBytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const toText = (buffer) => {
    let binary = "";
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const descriptors = (list) =>
    (list || []).map((item) => ({ ...item, id: toBytes(item.id) }));

  function creationOptions(json) {
    return {
      ...json,
      challenge: toBytes(json.challenge),
      user: { ...json.user, id: toBytes(json.user.id) },
      excludeCredentials: descriptors(json.excludeCredentials),
    };
  }

  function requestOptions(json) {
    return {
      ...json,
      challenge: toBytes(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    };
  }

  function answer(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      if (response.getTransports) json.response.transports = response.getTransports();
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      if (response.userHandle) json.response.userHandle = toText(response.userHandle);
    }
    return JSON.stringify(json);
  }

  const WORDS = {
    NotAllowedError: "The passkey request was cancelled or timed out. Try again.",
    InvalidStateError: "This passkey is registered here already.",
    SecurityError: "This address may not use passkeys (the panel must be opened at its own name).",
  };

  async function ceremony(form) {
    const status = form.querySelector("[data-passkey-status]");
    const say = (text) => {
      if (status) status.textContent = text;
    };
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    const body = new FormData();
    if (token) body.append("csrfmiddlewaretoken", token.value);
    if (form.dataset.purpose) body.append("purpose", form.dataset.purpose);
    say("Waiting for your passkey…");
    try {
      const reply = await fetch(form.dataset.optionsUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const options = await reply.json();
      if (!reply.ok || options.error) {
        say(options.error || "The passkey request could not start. Reload the page and try again.");
        return null;
      }
      const credential =
        form.dataset.passkey === "create"
          ? await navigator.credentials.create({ publicKey: creationOptions(options) })
          : await navigator.credentials.get({ publicKey: requestOptions(options) });
      say("");
      return credential ? answer(credential) : null;
    } catch (error) {
      say(WORDS[error.name] || `The passkey request failed (${error.name || error}). Try again.`);
      return null;
    }
  }

  function start() {
    const forms = document.querySelectorAll("form[data-passkey]");
    if (!supported) {
      for (const note of document.querySelectorAll("[data-passkey-unsupported]")) note.hidden = false;
      for (const form of forms) {
        for (const button of form.querySelectorAll("[data-passkey-button]")) button.disabled = true;
      }
      return;
    }
    for (const form of forms) {
      form.addEventListener("submit", async (event) => {
        if (event.submitter && event.submitter.hasAttribute("data-no-passkey")) return;
        const field = form.querySelector('input[type=hidden][name$="credential"]');
        if (!field || field.value) return;
        event.preventDefault();
        const name = form.querySelector('input[name$="-name"]');
        if (name && !name.value.trim()) {
          form.submit(); // the server says what is missing
          return;
        }
        const buttons = form.querySelectorAll("button");
        buttons.forEach((button) => (button.disabled = true));
        const result = await ceremony(form);
        buttons.forEach((button) => (button.disabled = false));
        if (!result) return;
        field.value = result;
        // Only the passkey's answer, not a half-typed code, goes with a passkey confirmation.
        const code = form.querySelector('input[name$="-code"]');
        if (code) code.value = "";
        form.submit();
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
