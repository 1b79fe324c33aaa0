"""The application around the model library: training, data, the demo, the ``cnn`` command.

Nothing here is imported by ``import cnn_models``; each name below loads its
module the first time it is used, so ``from cnn_models.tools import summarize``
does not import the training loop.

>>> from cnn_models.tools import summarize
>>> summarize.__module__
'cnn_models.tools.summary'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnn_registry.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from .datasets import build_datasets, load_digits_tensors, random_image_tensors
    from .demo import DEMO_CONFIG, DemoResult, run_demo
    from .distributed import DistributedContext
    from .gradient_averaging import GradientAveraging
    from .progress import PlainProgress, progress_bar
    from .summary import ModelSummary, summarize
    from .training import TrainingRun, build_optimizer, model_config, train_classifier

#: public name -> the module of this package that defines it
LOCATIONS: dict[str, str] = {
    "build_datasets": "datasets",
    "load_digits_tensors": "datasets",
    "random_image_tensors": "datasets",
    "DEMO_CONFIG": "demo",
    "DemoResult": "demo",
    "run_demo": "demo",
    "DistributedContext": "distributed",
    "GradientAveraging": "gradient_averaging",
    "PlainProgress": "progress",
    "progress_bar": "progress",
    "ModelSummary": "summary",
    "summarize": "summary",
    "TrainingRun": "training",
    "build_optimizer": "training",
    "model_config": "training",
    "train_classifier": "training",
}

__all__ = [
    "DEMO_CONFIG",
    "DemoResult",
    "DistributedContext",
    "GradientAveraging",
    "ModelSummary",
    "PlainProgress",
    "TrainingRun",
    "build_datasets",
    "build_optimizer",
    "load_digits_tensors",
    "model_config",
    "progress_bar",
    "random_image_tensors",
    "run_demo",
    "summarize",
    "train_classifier",
]


__getattr__, __dir__ = lazy_exports(__name__, LOCATIONS)
