"""Saving and loading a fitted NoiseAwareClassifier (private).

A saved model is a folder with ``weights.pt`` (``torch.save`` of the
network's ``state_dict``, read back with ``weights_only=True``) and
``config.json`` (parameters, how to rebuild the network, fitted attributes
and the SHA-256 of the weights).  The folder is written beside the target and
swapped in whole (:func:`weaklabel._files.atomic_folder`), so a failed save
leaves the old model as it was; a non-empty folder weaklabel did not write is
refused.  The checksum catches a pair mixed up by hand.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from weaklabel._files import atomic_folder
from weaklabel._json import JSONFileError, read_bounded_json
from weaklabel.exceptions import ModelFileError
from weaklabel.trainer.modules import BUILTIN_MODULES

__all__ = [
    "FITTED_ATTRS",
    "OPTIONAL_FITTED_ATTRS",
    "build_network",
    "read_model",
    "write_model",
]

ModuleSpec = nn.Module | Callable[[int, int], nn.Module] | None

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.pt"
FORMAT = "weaklabel.NoiseAwareClassifier/1"
FITTED_ATTRS = (
    "n_features_in_",
    "n_classes_",
    "best_epoch_",
    "n_epochs_",
    "n_filtered_",
    "history_",
)
"""Fitted attributes stored in the config (besides the weights)."""
OPTIONAL_FITTED_ATTRS = {"self_training_history_": list}
"""Fitted attributes added later: written always, absent from older files."""


def write_model(
    path: str | os.PathLike[str],
    net: nn.Module,
    *,
    params: Mapping[str, Any],
    defaults: Mapping[str, Any],
    fitted: Mapping[str, Any],
) -> Path:
    """Write ``net``'s weights and the config to the folder ``path``; return it."""
    out = Path(path)
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    with atomic_folder(out, info={"kind": FORMAT}) as tmp:
        torch.save(state, tmp / WEIGHTS_FILE)
        config = {
            "format": FORMAT,
            "params": _json_params(params, defaults),
            "module": _describe_module(params["module"], net),
            **fitted,
            "weights_sha256": _sha256(tmp / WEIGHTS_FILE),
        }
        (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    return out


def read_model(
    path: str | os.PathLike[str],
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Read and check a saved model: return its config and its state_dict.

    Everything is validated before anything is built: the config's size,
    nesting and every field (fitted attributes, the module's name and
    arguments), the weights' checksum, and each tensor's dtype and finiteness.
    Built-in networks are also checked against the weights' shapes by
    :func:`build_network` before they are allocated.

    Raises
    ------
    FileNotFoundError
        The folder or one of its files is missing.
    ModelFileError
        A file is not valid; the message names the file and the attribute.
    """
    src = Path(path)
    cfg_path = src / CONFIG_FILE
    try:
        config = read_bounded_json(
            cfg_path, max_bytes=MAX_CONFIG_BYTES, max_depth=MAX_DEPTH
        )
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{cfg_path} not found; pass the directory that"
            " NoiseAwareClassifier.save wrote."
        ) from None
    except JSONFileError as exc:
        raise _fail(cfg_path, str(exc)) from exc
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        found = config.get("format") if isinstance(config, dict) else None
        raise _fail(
            cfg_path,
            f"format {found!r}, expected {FORMAT!r}: not a NoiseAwareClassifier config",
            "format",
        )
    _check_config(config, cfg_path)
    weights_path = src / WEIGHTS_FILE
    if _sha256(weights_path) != config["weights_sha256"]:
        raise _fail(
            weights_path,
            f"it does not match {CONFIG_FILE} (checksum differs): the save was"
            " interrupted or the files were mixed up",
            "weights_sha256",
        )
    try:
        state = torch.load(
            weights_path, map_location="cpu", weights_only=True, mmap=True
        )
    except Exception as exc:  # any unreadable file: say which, never a traceback
        raise _fail(
            weights_path, f"not a torch state_dict ({type(exc).__name__}: {exc})"
        ) from exc
    _check_state(state, weights_path)
    return config, state


def build_network(
    config: Mapping[str, Any],
    state: Mapping[str, torch.Tensor],
    module: ModuleSpec,
    path: str | os.PathLike[str] = ".",
) -> tuple[nn.Module, ModuleSpec]:
    """Rebuild the saved network with its weights, and the ``module`` parameter.

    ``module`` is what the caller passed to ``load``: required when the saved
    network was a user module, else the built-in one is rebuilt by name,
    first on the ``meta`` device (no memory) to check that the weights have
    the shapes its saved arguments ask for, and only then for real.
    """
    spec = config["module"]
    weights_path = Path(path) / WEIGHTS_FILE
    if module is None:
        if spec["builtin"] is None:
            raise ValueError(
                f"The model was trained with the user module {spec['class']}; pass"
                " it again: NoiseAwareClassifier.load(path, module=...) with an"
                " instance or a factory(n_features, n_classes)."
            )
        cls = BUILTIN_MODULES[spec["builtin"]]
        with torch.device("meta"):  # shapes only, nothing allocated
            problem = _shape_problem(cls(**spec["kwargs"]), state)
        if problem is not None:
            raise _fail(
                weights_path, f"{problem[1]} (as saved in {CONFIG_FILE})", problem[0]
            )
        net: nn.Module = cls(**spec["kwargs"])
        module = _module_param(spec)
    elif isinstance(module, nn.Module):
        net = copy.deepcopy(module)
    else:
        net = module(config["n_features_in_"], config["n_classes_"])
    problem = _shape_problem(net, state)
    if problem is not None:
        raise ValueError(
            f"The saved weights in {str(weights_path)!r} do not fit the module"
            f" {type(net).__name__}: tensor {problem[0]!r}: {problem[1]}. Pass the"
            " module the model was trained with."
        )
    net.load_state_dict(state)
    return net, module


# ------------------------------------------------------------ validation
MAX_CONFIG_BYTES = 64 << 20
"""Largest config.json read (a config is a few KB plus 200 bytes per epoch)."""
MAX_DEPTH = 16
"""Deepest nesting of lists and objects read from a config (a saved one has 4)."""
_MAX_HIDDEN_LAYERS = 64


def _fail(path: Path, problem: str, attribute: str | None = None) -> ModelFileError:
    where = f" (attribute {attribute!r})" if attribute else ""
    return ModelFileError(
        f"{str(path)!r} is not a valid NoiseAwareClassifier file{where}: {problem}."
        " Model folders are written by NoiseAwareClassifier.save(path); train and"
        " save the model again if this one was edited or damaged.",
        path=str(path),
        attribute=attribute,
    )


def _is_int(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _check_config(config: dict[str, Any], path: Path) -> None:
    """Check every field of the config (not the weights) or raise ModelFileError."""
    for name in ("params", "module", "weights_sha256", *FITTED_ATTRS):
        if name not in config:
            raise _fail(path, "the field is missing", name)
    if not isinstance(config["params"], dict):
        raise _fail(path, "expected an object of parameters", "params")
    sha = config["weights_sha256"]
    if not (isinstance(sha, str) and len(sha) == 64):
        raise _fail(path, "expected a SHA-256 hex digest", "weights_sha256")
    n_features = config["n_features_in_"]
    if not (n_features is None or _is_int(n_features, 1)):
        raise _fail(
            path,
            f"expected a positive int or null, got {n_features!r}",
            "n_features_in_",
        )
    if not _is_int(config["n_classes_"], 2):
        raise _fail(
            path, f"expected an int >= 2, got {config['n_classes_']!r}", "n_classes_"
        )
    for name in ("best_epoch_", "n_epochs_", "n_filtered_"):
        if not _is_int(config[name], 0):
            raise _fail(path, f"expected an int >= 0, got {config[name]!r}", name)
    if config["best_epoch_"] > config["n_epochs_"]:
        raise _fail(path, "the best epoch is after the last one", "best_epoch_")
    for name in ("history_", "self_training_history_"):
        value = config.get(name, [])
        if not (isinstance(value, list) and all(isinstance(r, dict) for r in value)):
            raise _fail(path, "expected a list of objects", name)
    _check_module_spec(config["module"], config, path)


def _check_module_spec(spec: Any, config: Mapping[str, Any], path: Path) -> None:
    if not isinstance(spec, dict) or not {"builtin", "kwargs", "class", "param"} <= set(
        spec
    ):
        raise _fail(
            path, "expected an object with builtin, kwargs, class, param", "module"
        )
    if not isinstance(spec["class"], str):
        raise _fail(path, "expected the class name as a string", "module.class")
    name = spec["builtin"]
    if name is not None:
        _check_builtin(name, spec["kwargs"], path, "module")
        kwargs = spec["kwargs"]
        for key, attr in (
            ("n_features", "n_features_in_"),
            ("n_classes", "n_classes_"),
        ):
            if kwargs[key] != config[attr]:
                raise _fail(
                    path,
                    f"the module's {key}={kwargs[key]} disagrees with"
                    f" {attr}={config[attr]}",
                    attr,
                )
    param = spec["param"]
    if param is None:
        return
    if (
        not isinstance(param, dict)
        or "class" not in param
        or set(param) - {"class", "kwargs"}
    ):
        raise _fail(
            path, "expected null or an object with class (and kwargs)", "module.param"
        )
    if param.get("class") is None:
        if name is None and "kwargs" in param:
            raise _fail(path, "a user module has no saved arguments", "module.param")
        return
    if name is None:
        raise _fail(
            path, "a built-in module parameter with a user network", "module.param"
        )
    if "kwargs" in param:
        _check_builtin(param["class"], param["kwargs"], path, "module.param")
        if param["kwargs"] != spec["kwargs"]:
            raise _fail(path, "its arguments differ from the network's", "module.param")
    elif not isinstance(param["class"], str) or param["class"] not in BUILTIN_MODULES:
        _check_builtin(param["class"], {}, path, "module.param")


_BUILTIN_KWARGS = {
    "LogisticRegressionNet": {"n_features", "n_classes"},
    "MLPNet": {"n_features", "n_classes", "hidden_sizes", "dropout"},
}


def _check_builtin(name: Any, kwargs: Any, path: Path, attribute: str) -> None:
    """A built-in module name and its constructor arguments, by type and range."""
    if not isinstance(name, str) or name not in BUILTIN_MODULES:
        raise _fail(
            path,
            f"unknown module {name!r}; a saved built-in network is one of"
            f" {sorted(BUILTIN_MODULES)}",
            f"{attribute}.builtin" if attribute == "module" else attribute,
        )
    allowed = _BUILTIN_KWARGS[name]
    if not isinstance(kwargs, dict) or set(kwargs) != allowed:
        got = sorted(kwargs) if isinstance(kwargs, dict) else kwargs
        raise _fail(
            path,
            f"{name} takes the arguments {sorted(allowed)}, got {got!r}",
            f"{attribute}.kwargs",
        )
    where = f"{attribute}.kwargs"
    if not _is_int(kwargs["n_features"], 1) or not _is_int(kwargs["n_classes"], 2):
        raise _fail(
            path, "n_features must be an int >= 1 and n_classes an int >= 2", where
        )
    if name == "MLPNet":
        hidden = kwargs["hidden_sizes"]
        if not (
            isinstance(hidden, list)
            and len(hidden) <= _MAX_HIDDEN_LAYERS
            and all(_is_int(h, 1) for h in hidden)
        ):
            raise _fail(
                path,
                f"hidden_sizes must be a list of positive ints, got {hidden!r}",
                where,
            )
        dropout = kwargs["dropout"]
        if not (
            isinstance(dropout, (int, float))
            and not isinstance(dropout, bool)
            and 0 <= dropout < 1
        ):
            raise _fail(path, f"dropout must be in [0, 1), got {dropout!r}", where)


def _check_state(state: Any, path: Path) -> None:
    if not isinstance(state, dict) or not state:
        raise _fail(path, "expected a non-empty state_dict of tensors")
    for key, value in state.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise _fail(path, "expected tensors named by strings", str(key))
        if value.layout != torch.strided or not value.is_floating_point():
            raise _fail(
                path,
                f"expected a dense float tensor, got {value.dtype} ({value.layout})",
                key,
            )
        if not bool(torch.isfinite(value).all()):
            raise _fail(path, "it holds NaN or infinite values", key)


def _shape_problem(
    net: nn.Module, state: Mapping[str, torch.Tensor]
) -> tuple[str, str] | None:
    """(tensor name, problem) when ``state`` does not fit ``net``, else None."""
    expected = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    name = type(net).__name__
    for key in sorted(set(expected) | set(state)):
        if key not in state:
            return key, f"the tensor is missing ({name} needs it)"
        if key not in expected:
            return key, f"{name} has no such tensor"
        if tuple(state[key].shape) != expected[key]:
            return (
                key,
                f"shape {tuple(state[key].shape)}, but {name} needs {expected[key]}",
            )
    return None


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} not found; pass the directory that NoiseAwareClassifier.save"
            " wrote."
        ) from None


def _json_params(
    params: Mapping[str, Any], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """Parameters for the config: JSON values kept, others reset to the default.

    ``module`` is described separately; a callable ``optimizer`` or a
    Generator ``random_state`` cannot be written and fall back to the default.
    """
    out: dict[str, Any] = {}
    for key, default in defaults.items():
        if key == "module":
            continue
        value = params[key]
        if isinstance(value, torch.device):
            value = str(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        try:
            json.dumps(value)
        except TypeError:
            value = default
        out[key] = value
    return out


def _describe_module(param: ModuleSpec, net: nn.Module) -> dict[str, Any]:
    """How to rebuild ``net`` and the ``module`` parameter, for the config."""
    builtins = tuple(BUILTIN_MODULES.values())
    net_is_builtin = type(net) in builtins
    if param is None:
        param_spec: dict[str, Any] | None = None
    elif isinstance(param, type) and param in builtins:
        param_spec = {"class": param.__name__}
    elif isinstance(param, nn.Module) and type(param) in builtins:
        param_spec = {"class": type(param).__name__, "kwargs": param.init_kwargs}
    else:
        param_spec = {"class": None}  # a user module or factory: supplied on load
    return {
        "builtin": type(net).__name__ if net_is_builtin else None,
        "kwargs": net.init_kwargs if net_is_builtin else None,
        "class": f"{type(net).__module__}.{type(net).__qualname__}",
        "param": param_spec,
    }


def _module_param(spec: Mapping[str, Any]) -> ModuleSpec:
    """The ``module`` parameter of a loaded classifier whose network is built in."""
    param = spec["param"]
    if param is None:
        return None
    if param["class"] is None:  # a factory such as partial(MLPNet, ...): rebuild it
        return BUILTIN_MODULES[spec["builtin"]](**spec["kwargs"])
    cls = BUILTIN_MODULES[param["class"]]
    return cls(**param["kwargs"]) if "kwargs" in param else cls
