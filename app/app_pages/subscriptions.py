"""Report subscriptions: the account's scheduled report e-mails (edit, send now, pause, delete), a form for a new
one, the account's local time and each next send, and the delivery log."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from app.filters.scope import PageRead, current_scope
from app.subscriptions import account_subscriptions as subs
from app.subscriptions import form

NOTICE = "subs_notice"
DELETING = "subs_deleting"
EDITING = "subs_editing"
LAST_CREATED = "subs_last_created"  # the form as last created: a repeated submit of it creates nothing

# The page reads the operational database (subscriptions, users), nothing of the warehouse to fetch ahead.
READS: tuple[PageRead, ...] = ()

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    viewer, zone = scope.viewer, scope.account.timezone
    st.title("Report subscriptions")
    st.caption(f"Reports e-mailed on a schedule, each covering the period that just ended. Times are local to the "
               f"account's time zone, {zone}. The sidebar's filters do not apply to this page.")  # fmt: skip
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice)

    def done(message: str) -> None:
        st.session_state[NOTICE] = message
        st.rerun()

    now = subs.local_now(zone)
    st.markdown(f"**Now in {zone}: {now:%a %Y-%m-%d %H:%M %Z}** — send times below are in this time zone.")

    st.subheader("Subscriptions")
    refs = {ref.id: ref for ref in subs.subscriptions(viewer)}
    if not refs:
        st.info("No subscriptions yet: create one below.")
    else:
        st.dataframe(subs.subscription_frame(list(refs.values()), zone), hide_index=True, key="subs_table")
        chosen_id = st.selectbox(
            "Subscription", list(refs), format_func=lambda i: refs[i].name, key="subs_pick"
        )
        chosen = refs[chosen_id]
        if chosen.held_at:
            st.warning(
                f"Held since {chosen.held_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}: {chosen.hold_reason}"
            )
        if (next_at := subs.next_send(chosen, zone)) is not None:
            st.caption(
                f"Next e-mail: {next_at:%a %Y-%m-%d %H:%M %Z}, with the period that has just ended then."
            )
        actions = st.container(horizontal=True)
        if actions.button("Send now", key="subs_send_now", disabled=not chosen.enabled,
                          help="E-mail the latest period now, the way the schedule does."):  # fmt: skip
            try:
                with st.spinner("Sending…"):
                    sent = subs.send_now(viewer, chosen.id)
            except subs.SubscriptionError as err:
                st.error(f"Not sent: {err}")
            else:
                done(sent)
        if actions.button("Edit", key="subs_edit"):
            st.session_state[EDITING] = chosen.id
        if actions.button("Resume" if not chosen.enabled else "Pause", key="subs_toggle"):
            subs.set_enabled(viewer, chosen.id, not chosen.enabled)
            done(f"{'Resumed' if not chosen.enabled else 'Paused'} “{chosen.name}”.")
        if actions.button("Delete", key="subs_delete"):
            st.session_state[DELETING] = chosen.id
        if st.session_state.get(DELETING) == chosen.id:
            st.warning(f"Delete “{chosen.name}” and its delivery log? This cannot be undone.")
            confirm = st.container(horizontal=True)
            if confirm.button("Yes, delete", type="primary", key="subs_delete_confirm"):
                st.session_state.pop(DELETING, None)
                subs.remove(viewer, chosen.id)
                done(f"Deleted “{chosen.name}”.")
            if confirm.button("Cancel", key="subs_delete_cancel"):
                st.session_state.pop(DELETING, None)
                st.rerun()
        if st.session_state.get(EDITING) == chosen.id:
            st.subheader(f"Edit “{chosen.name}”")
            prefix = form.edit_prefix(chosen.id)
            edited = form.subscription_form(prefix, scope, "Save changes", stored=chosen)
            if edited is not None:
                try:
                    saved = subs.update(viewer, chosen.id, edited)
                except subs.SubscriptionError as err:
                    st.error(f"Not saved: {err}")
                else:
                    st.session_state.pop(EDITING, None)
                    form.clear(prefix)
                    done(f"Saved “{saved.name}”: {subs.describe(saved)}, to {', '.join(saved.recipients)}.")
            if st.button("Cancel editing", key="subs_edit_cancel"):
                st.session_state.pop(EDITING, None)
                form.clear(prefix)
                st.rerun()

    st.subheader("New subscription")
    users, domains = subs.allowed_recipients(viewer)
    st.caption("Recipients must be users of this account (" + (", ".join(users) or "none has an e-mail address yet")
               + ") or in its allowed e-mail domains (" + (", ".join(domains) or "none") + ").")  # fmt: skip
    new = form.subscription_form(form.NEW, scope, "Create subscription")
    if new is not None:
        if new == st.session_state.get(LAST_CREATED):  # a second click on the same form: it exists already
            st.info(f"“{new.name.strip()}” was created already; change the form to create another.")
        else:
            try:
                ref = subs.create(viewer, new)
            except subs.SubscriptionError as err:
                st.error(f"Not created: {err}")
            else:
                st.session_state[LAST_CREATED] = new
                form.clear(form.NEW)  # the form starts empty again
                done(f"Created “{ref.name}”: {subs.describe(ref)}, to {', '.join(ref.recipients)}.")

    st.subheader("Delivery log")
    log = subs.delivery_log(viewer, zone)
    if log.is_empty():
        st.info("Nothing delivered yet: a subscription's first e-mail goes out at its next send time.")
    else:
        st.dataframe(
            log.with_columns(pl.col("last_error").fill_null("")),
            hide_index=True,
            key="subs_log",
            column_config={
                "sent_at": st.column_config.DatetimeColumn("sent at", format="YYYY-MM-DD HH:mm"),
                "next_attempt_at": st.column_config.DatetimeColumn("next attempt", format="YYYY-MM-DD HH:mm"),
                "last_error": st.column_config.TextColumn("last error"),
            },
        )
