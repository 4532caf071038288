# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def searched_codes(value):
    """The codes that a search on a selection field compares records with.

    ``value`` is the value of an "=" / "!=" condition or the list of an "in" /
    "not in" one. As core does for a stored selection field (it compares the column
    with each value as text), every value counts as its text and False or None as
    "not set": a value of the wrong type sent over RPC, a number or a dict, is a
    code no record has. Search methods of computed selection fields use it, so that
    such a value finds nothing instead of crashing them.
    """
    codes = set()
    for item in value if isinstance(value, list | tuple) else [value]:
        if item is None or item is False:
            codes.add(False)
        else:
            codes.add(item if isinstance(item, str) else str(item))
    return codes
