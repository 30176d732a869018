"""Saving and loading a fitted NoiseAwareClassifier (private).

A saved model is a folder with ``weights.pt`` (``torch.save`` of the
network's ``state_dict``, read back with ``weights_only=True``) and
``config.json`` (parameters, how to rebuild the network, fitted attributes
and the SHA-256 of the weights).  Each file is replaced atomically, the config
last, so a reader sees either the old pair or the new one; the checksum
catches a pair mixed up by hand or an interrupted save.
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

from weaklabel._files import atomic_write
from weaklabel.trainer.modules import BUILTIN_MODULES

__all__ = ["FITTED_ATTRS", "build_network", "read_model", "write_model"]

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
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    atomic_write(out / WEIGHTS_FILE, lambda tmp: torch.save(state, tmp))
    config = {
        "format": FORMAT,
        "params": _json_params(params, defaults),
        "module": _describe_module(params["module"], net),
        **fitted,
        "weights_sha256": _sha256(out / WEIGHTS_FILE),
    }
    text = json.dumps(config, indent=2)
    atomic_write(out / CONFIG_FILE, lambda tmp: tmp.write_text(text))
    return out


def read_model(
    path: str | os.PathLike[str],
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Read and check a saved model: return its config and its state_dict."""
    src = Path(path)
    try:
        config: dict[str, Any] = json.loads((src / CONFIG_FILE).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{src / CONFIG_FILE} not found; pass the directory that"
            " NoiseAwareClassifier.save wrote."
        ) from None
    if config.get("format") != FORMAT:
        raise ValueError(
            f"{src / CONFIG_FILE} is not a NoiseAwareClassifier config"
            f" (format {config.get('format')!r}, expected {FORMAT!r})."
        )
    if _sha256(src / WEIGHTS_FILE) != config["weights_sha256"]:
        raise ValueError(
            f"{src / WEIGHTS_FILE} does not match {CONFIG_FILE} (checksum differs):"
            " the save was interrupted or the files were mixed up. Save the model"
            " again."
        )
    state = torch.load(src / WEIGHTS_FILE, map_location="cpu", weights_only=True)
    return config, state


def build_network(
    config: Mapping[str, Any], state: Mapping[str, torch.Tensor], module: ModuleSpec
) -> tuple[nn.Module, ModuleSpec]:
    """Rebuild the saved network with its weights, and the ``module`` parameter.

    ``module`` is what the caller passed to ``load``: required when the saved
    network was a user module, else the built-in one is rebuilt by name.
    """
    spec = config["module"]
    if module is None:
        if spec["builtin"] is None:
            raise ValueError(
                f"The model was trained with the user module {spec['class']}; pass"
                " it again: NoiseAwareClassifier.load(path, module=...) with an"
                " instance or a factory(n_features, n_classes)."
            )
        net: nn.Module = BUILTIN_MODULES[spec["builtin"]](**spec["kwargs"])
        module = _module_param(spec)
    elif isinstance(module, nn.Module):
        net = copy.deepcopy(module)
    else:
        net = module(config["n_features_in_"], config["n_classes_"])
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(
            f"The saved weights do not fit the module {type(net).__name__}: {exc}"
        ) from exc
    return net, module


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
