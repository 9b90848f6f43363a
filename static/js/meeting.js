// The meeting page follows the chair: it polls a cheap state URL and, when the chair
// opens or closes an item, swaps in the new ballot section, so members never need to
// refresh. Votes are sent without leaving the page. Everything here is an enhancement:
// without JavaScript the forms post normally and a refresh shows the current item.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var HEARTBEAT_MS = 60000;

  function fetchFragment(url, options) {
    options = options || {};
    options.headers = Object.assign({ "X-Requested-With": "fetch" }, options.headers || {});
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      // 403 and 429 come with a section that says why: show it rather than retrying.
      if (!response.ok && response.status !== 403 && response.status !== 429) {
        throw new Error(response.status);
      }
      return response.text();
    });
  }

  function parse(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function replaceSection(section, html, focusSelector) {
    return swapIn(section, parse(html), focusSelector);
  }

  function swapIn(section, fresh, focusSelector) {
    if (!fresh || fresh.id !== section.id) return section;
    var hadFocus = section.contains(document.activeElement);
    section.replaceWith(fresh);
    var target = focusSelector && fresh.querySelector(focusSelector);
    if (target && (hadFocus || focusSelector)) target.focus();
    return fresh;
  }

  function announce(text) {
    var region = document.getElementById("meeting-announcer");
    if (region) region.textContent = text;
  }

  // The "Voting is open" link under the meeting's title follows the ballot section.
  function showVotingNow(section) {
    var link = document.getElementById("voting-now");
    if (link) link.hidden = !section.querySelector(".ballot-item--open");
  }

  function followBallot() {
    var section = document.getElementById("ballot");
    if (!section || !section.dataset.stateUrl) return;
    var version = section.dataset.version;
    var lastRefresh = Date.now();

    function refresh(focusSelector) {
      lastRefresh = Date.now();
      return fetchFragment(section.dataset.fragmentUrl).then(function (html) {
        section = replaceSection(section, html, focusSelector);
        version = section.dataset.version;
        showVotingNow(section);
      });
    }

    // When the agenda moves, most members' new section is the one they all share
    // (meetings/ballots/shared_section.py): fetched with the pass of the page's own render,
    // then made the member's own again: their CSRF token, and "your vote is recorded" on
    // the items they have voted on. Without a pass, or if it is refused, the member's
    // own section as before.
    function refreshShared(focusSelector) {
      var url = section.dataset.sectionUrl;
      if (!url) return refresh(focusSelector);
      return fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.text();
        })
        .then(function (html) {
          var fresh = parse(html);
          if (!fresh || fresh.id !== section.id) throw new Error("unexpected answer");
          ["sectionUrl", "csrf", "fragmentUrl"].forEach(function (key) {
            fresh.dataset[key] = section.dataset[key];
          });
          fresh.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
            input.value = section.dataset.csrf;
          });
          section.querySelectorAll(".ballot-item--open .ballot-item__voted").forEach(function (done) {
            var heading = fresh.querySelector(".ballot-item--open #item-" + done.dataset.item);
            var form = heading && heading.closest(".ballot-item").querySelector(".vote-form");
            if (form) form.replaceWith(done);
          });
          section = swapIn(section, fresh, focusSelector);
          version = section.dataset.version;
          showVotingNow(section);
        })
        .catch(function () { return refresh(focusSelector); });
    }

    function poll() {
      fetch(section.dataset.stateUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (state) {
          if (state.version !== version) {
            return refreshShared(".ballot-item--open h3, .ballot-item--closed h3").then(function () {
              var heading = section.querySelector(".ballot-item--open h3");
              announce(heading ? "Voting is open: " + heading.textContent : "Voting has closed.");
            });
          }
          if (Date.now() - lastRefresh > HEARTBEAT_MS) return refresh();
        })
        .catch(function () { /* a missed poll is retried by the next one */ })
        .then(function () { setTimeout(poll, document.hidden ? POLL_MS * 5 : POLL_MS); });
    }

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.classList.contains("vote-form") || !section.contains(form)) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var label = button && button.textContent;
      if (button) { button.disabled = true; button.textContent = "Sending your vote…"; }
      fetchFragment(form.action, { method: "POST", body: new FormData(form) })
        .then(function (html) {
          // The answer is the item's "vote recorded" part or its refusal (a 429 over the
          // rate limit too), which takes the form's place or goes above it; or, from a
          // refusal of the whole page (a 403), the ballot section.
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          var item = form.closest(".ballot-item");
          if (fresh && fresh.id === section.id) {
            section = replaceSection(section, html);
            fresh = section.querySelector(".ballot-item__voted, .ballot__errors");
          } else if (fresh && item && fresh.dataset.item) {
            var shown = item.querySelector(".ballot__errors");
            if (shown) shown.remove();
            if (fresh.classList.contains("ballot-item__voted")) {
              form.replaceWith(fresh);
            } else {
              form.before(fresh);
              if (button) { button.disabled = false; button.textContent = label; }
            }
          } else {
            throw new Error("unexpected answer");
          }
          if (fresh) { fresh.setAttribute("tabindex", "-1"); fresh.focus(); }
        })
        .catch(function () { form.submit(); });
    });
    // Back to this tab after voting in another: show the recorded state, not the stale
    // form (unless the member has started choosing here).
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && !section.querySelector(".vote-form input:checked")) refresh();
    });
    setTimeout(poll, POLL_MS);
  }

  function followChairConsole() {
    var consoleEl = document.getElementById("chair-console");
    if (!consoleEl) return;
    // Requests are numbered: an answer older than the one shown (a refresh that was on
    // its way when the chair acted) is dropped rather than undoing what the chair sees.
    var asked = 0;
    var shown = 0;
    function show(html, number) {
      if (number < shown) return;
      shown = number;
      consoleEl = replaceSection(consoleEl, html);
    }
    function questionOpen() {
      return consoleEl.querySelector("dialog[open]") !== null;
    }
    function refresh() {
      // Never swap the console under a question the chair is reading, also when the
      // question opened while the refresh was on its way.
      if (questionOpen()) {
        setTimeout(refresh, 3000);
        return;
      }
      var number = ++asked;
      fetchFragment(consoleEl.dataset.refreshUrl)
        .then(function (html) { if (!questionOpen()) show(html, number); })
        .catch(function () {})
        .then(function () { setTimeout(refresh, 3000); });
    }
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.classList.contains("chair-action") || !consoleEl.contains(form)) return;
      event.preventDefault();
      // An action that cannot be undone asks first, in the form's own dialog; its "Yes"
      // sends the form with `confirmed` (without JavaScript the server asks on a page).
      var dialog = form.querySelector("dialog.chair-confirm");
      var confirmed = event.submitter && event.submitter.name === "confirmed";
      if (dialog && !confirmed) {
        dialog.showModal();
        return;
      }
      if (dialog && dialog.open) dialog.close();
      var body = new FormData(form);
      if (confirmed) body.set("confirmed", event.submitter.value);
      var number = ++asked;
      fetchFragment(form.action, { method: "POST", body: body })
        .then(function (html) { show(html, number); })
        .catch(function () { form.submit(); });
    });
    document.addEventListener("click", function (event) {
      var cancel = event.target.closest(".chair-confirm__cancel");
      if (cancel) cancel.closest("dialog").close();
    });
    setTimeout(refresh, 3000);
  }

  followBallot();
  followChairConsole();
})();
