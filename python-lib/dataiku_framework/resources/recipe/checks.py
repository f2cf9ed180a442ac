"""Recipe rules validation enforces because a key would otherwise mean nothing in DSS (issue 17 §1:
every key accepted is sent, and comes back; what cannot be sent is refused, never dropped).

Declared as the recipe kind's ``checks``: they run with the document's other semantic checks, on
documents the schema check may have rejected, so they skip values of the wrong shape.
"""
from typing import Any

from ...config.annotations import facts
from ...config.references import items, name_of


def check_append_on_inputs(ck: Any) -> None:
    """``append`` on an input: DSS keeps ``appendMode`` on output items only (an input is read, never
    written; the fixture exports never hold it on an input), so the key would be lost."""
    for index, recipe in items(ck.doc, "recipes"):
        inputs = recipe.get("inputs")
        for position, ref in enumerate(inputs if isinstance(inputs, list) else []):
            if isinstance(ref, dict) and "append" in ref:
                ck.report(("recipes", index, "inputs", position, "append"),
                          "recipe '%s': 'append' on input '%s' means nothing: it applies to outputs only"
                          % (name_of(recipe), ref.get("ref")), hint="remove it, or move it to the output the "
                          "recipe appends to", at_key=True, code="recipe.append_input")


def check_code_payload(ck: Any) -> None:
    """``payload`` on a code recipe: DSS stores a code recipe's script as its payload (one text), and
    ``code`` / ``code_file`` is how the configuration writes it; the translation sends the code only,
    so a payload beside it (or in its place) would be dropped without a word."""
    info = facts("Recipe")
    for index, recipe in items(ck.doc, "recipes"):
        rtype = recipe.get("type")
        rtype = info.canonical(rtype) if isinstance(rtype, str) else None  # a wrong shape: the schema says it
        if rtype in info.code_types and "payload" in recipe:
            ck.report(("recipes", index, "payload"), "%s recipe '%s': 'payload' is never sent, DSS keeps a "
                      "code recipe's script as its payload: write it as 'code'" % (rtype, name_of(recipe)),
                      at_key=True, code="recipe.code_payload",
                      hint="write the script as 'code' (or 'code_file') and remove 'payload'")


CHECKS = (check_append_on_inputs, check_code_payload)
