"""The console's edits of the campaign's files: change, validate, save, keep a version, log.

`pipeline` is the one edit path for every editable file, `three_way` the merge of a save
onto a change someone else saved meanwhile, and `publishing` how each host's copy of the files
follows the version published in the database; `offices` and `campaign_fields` are the changes the
console makes to recipients.yaml and campaign.yaml; `bodies` previews a letter.
"""

from campaign.editing import publishing
from campaign.editing.bodies import preview_letter
from campaign.editing.changes import Change
from campaign.editing.pipeline import (
    Edit,
    changes_between,
    compare_version,
    in_document,
    open_file,
    remove_leftovers,
    replaced_by,
    restore,
    save,
)

__all__ = [
    "Change",
    "Edit",
    "changes_between",
    "compare_version",
    "in_document",
    "open_file",
    "preview_letter",
    "publishing",
    "remove_leftovers",
    "replaced_by",
    "restore",
    "save",
]
