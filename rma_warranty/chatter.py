# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Internal notes logged in batch, for any model with a chatter."""

from collections import defaultdict


def log_notes(notes):
    """Log ``notes``, an iterable of ``(record, body)``, as internal notes in the
    chatter of their records, notifying nobody.

    ``mail.thread._message_log_batch`` logs one note per record and call: notes are
    sent in rounds (a record's second note waits for the next round), so each
    record gets every note, in the order given. One call per model and round, not
    one per note.

    ``_message_log_batch`` writes as the system: callers checked the user's access
    that makes these notes theirs to log.
    """
    rounds = defaultdict(list)  # model name -> [{record id: body}, ...]
    envs = {}
    for record, body in notes:
        record.ensure_one()
        envs.setdefault(record._name, record.env)
        model_rounds = rounds[record._name]
        for bodies in model_rounds:
            if record.id not in bodies:
                bodies[record.id] = body
                break
        else:
            model_rounds.append({record.id: body})
    for model, model_rounds in rounds.items():
        for bodies in model_rounds:
            envs[model][model].browse(list(bodies))._message_log_batch(bodies=bodies)
