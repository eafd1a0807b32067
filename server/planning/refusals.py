"""The refusals of plans, draws and tasks as stable message keys with parameters, said in
English for the API here; the console says the same keys in the user's language (its
catalogues, context "refusal"), so a page never shows the API's English."""

from __future__ import annotations

from server.messages import Catalogue

# key -> the API's English (str.format); these texts are the API contract, unchanged
CATALOGUE = Catalogue({
    "plan.unknown": "No such plan.",
    "plan.district": "Unknown district.",
    "plan.period_ended": "The plan's period ended on {end}.",
    "draw.unknown": "No such draw.",
    "draw.infeasible": "{count} drawn unit(s) cannot be staffed with {needed} certified "
                       "inspectors free of recusal and within the plan's open-task cap; add "
                       "inspectors or change the plan.",
    "draw.reason_needed": "{earlier} earlier draw(s) of this plan still have units not "
                          "visited; say why you draw again (the reason is recorded and "
                          "published).",
    "task.unknown": "No such task.",
    "task.stale": "The task is at version {current}, not {given}.",
    "task.not_assignable": "A {state} task cannot be reassigned.",
    "task.inspectors": "These inspectors cannot be sent.",
    "task.bulk_refused": "{refused} of {total} assignments are refused; nothing was "
                         "assigned.",
    "task.team": "The task cannot start with this team; reassign it first.",
    "task.not_a_status": "'{to}' is not a status a task can be moved to",
    "task.transition": "a task that is {state} cannot become {to} (only from {allowed})",
    "task.cancel_reason": "Say why the task is cancelled.",
    "task.due_passed": "The due date has passed.",
    "task.source_used": "A task for this source already exists.",
    "recusal.own_only": "Inspectors declare their own conflicts only.",
    "recusal.not_inspector": "Not an inspector.",
    "recusal.declared": "This conflict is already declared.",
    # notes next to a field (or, for a bulk assignment, next to a task)
    "plan_field.district": "unknown district",
    "draw_field.unit": "enterprise {enterprise} ({name}, credit code {credit_code}): "
                       "{count} eligible",
    "draw_field.reason": "required while an earlier draw of this plan has units not visited",
    "task_field.twice": "an inspector is listed twice",
    "task_field.too_few": "a {task_kind} task needs at least {needed} distinct inspectors",
    "task_field.too_many": "at most {most} inspectors",
    "task_field.not_inspector": "{inspector} is not an active inspector",
    "task_field.outside": "{inspector} belongs to a district outside your scope",
    "task_field.certificate": "{username}'s enforcement certificate is not valid on {on}",
    "task_field.recused": "{username} has declared a conflict with this enterprise",
    "task_field.same_task": "the same task appears twice",
    "task_field.cancel_reason": "required to cancel",
    "task_field.due_date": "must be today or later",
    "task_field.source_ref": "already used",
    "recusal_field.inspector": "no inspector with this id",
})
said, refused, english = CATALOGUE.said, CATALOGUE.refused, CATALOGUE.english
