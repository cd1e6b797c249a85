from enum import Enum

from plugins.core.choices import choices


class Kind(str, Enum):
    WHILE_SUPPLIES_LAST = "while_supplies_last"
    PRE_ORDER = "pre_order"


def test_choices_keep_the_enum_order_and_title_case_names():
    # Migrations record these labels: the spelling must not change.
    assert choices(Kind) == [
        ("while_supplies_last", "While Supplies Last"),
        ("pre_order", "Pre Order"),
    ]
