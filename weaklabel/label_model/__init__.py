"""Label models: turn a vote matrix into probabilistic labels.

All share :class:`BaseLabelModel` (scikit-learn estimator contract, pattern
compression, ``predict``/``score``, JSON ``save``/``load``).
"""

from weaklabel.label_model._base import BaseLabelModel, load_label_model
from weaklabel.label_model.dawid_skene import DawidSkene
from weaklabel.label_model.generative import LabelModel
from weaklabel.label_model.majority import MajorityVote
from weaklabel.label_model.online import OnlineLabelModel

__all__ = [
    "BaseLabelModel",
    "DawidSkene",
    "LabelModel",
    "MajorityVote",
    "OnlineLabelModel",
    "load_label_model",
]
