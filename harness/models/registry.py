"""Registry of model adapters and named models.

Adapters are registered next to their implementation::

    @register_adapter("causal-lm", hf_mappings=("MODEL_FOR_CAUSAL_LM_MAPPING_NAMES",), priority=10)
    class CausalLM(Model): ...

Named models bind an adapter to load arguments::

    register_model("lead-3", adapter="lead-k", k=3, description="First three sentences")

A model name given on the command line is resolved as follows:

* a registered name (``lead-3``);
* ``hf:<hub id or local folder>``: the adapter is chosen from the
  ``architectures`` list in the checkpoint's ``config.json``, matched against
  the ``transformers`` auto-model tables that each adapter declares;
* ``<adapter>:<argument>`` for adapters that take one argument, such as
  ``published:<system>`` or ``predictions:<file>``.

Plugins add adapters and models through the entry-point group
``harness.models``; loading the entry point runs its registration decorators,
and an entry point that names a :class:`Model` subclass is registered as an
adapter under the entry point's name, used as ``<name>:<argument>``.
"""

from __future__ import annotations

import difflib
import importlib
import json
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Callable, TypeVar

from harness.errors import ModelError
from harness.models.base import LoadOptions, Model

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "harness.models"

ModelClass = TypeVar("ModelClass", bound=type[Model])


@dataclass(frozen=True)
class AdapterEntry:
    """An adapter class and how ``hf:`` checkpoints are matched to it."""

    name: str
    cls: type[Model]
    hf_mappings: tuple[str, ...] = ()
    priority: int = 0
    takes_argument: bool = False


@dataclass(frozen=True)
class ModelEntry:
    """A named model: an adapter plus fixed load arguments."""

    name: str
    adapter: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    weights: str = ""
    available: Callable[[], bool] | None = None

    def is_available(self) -> bool:
        return True if self.available is None else bool(self.available())


_ADAPTERS: dict[str, AdapterEntry] = {}
_MODELS: dict[str, ModelEntry] = {}

# Modules that register the built-in adapters and models; imported on first lookup.
_BUILTIN_MODULES: tuple[str, ...] = (
    "harness.models.causal_lm",
    "harness.models.seq2seq",
    "harness.models.lead",
    "harness.models.predictions",
    "harness.models.speech",
    "harness.models.ctc",
    "harness.models.vision",
    "harness.models.video",
    "harness.models.extractive",
    "harness.models.ct2_whisper",
    "harness.models.pretrained",
    "harness.models.architectures",
)
_loaded = False


def register_adapter(
    name: str, *, hf_mappings: tuple[str, ...] = (), priority: int = 0, takes_argument: bool = False
) -> Callable[[ModelClass], ModelClass]:
    """Register a :class:`Model` subclass as the adapter ``name``.

    ``hf_mappings`` names tables of ``transformers.models.auto.modeling_auto``
    (for example ``MODEL_FOR_CAUSAL_LM_MAPPING_NAMES``) whose architectures the
    adapter runs; the highest ``priority`` wins when several match.
    """

    def decorator(cls: ModelClass) -> ModelClass:
        if not (isinstance(cls, type) and issubclass(cls, Model)):
            raise TypeError(f"@register_adapter({name!r}) must decorate a Model subclass, got {cls!r}")
        _ADAPTERS[name] = AdapterEntry(name, cls, hf_mappings, priority, takes_argument)
        cls.adapter_name = name  # type: ignore[attr-defined]
        return cls

    return decorator


def register_model(
    name: str,
    *,
    adapter: str,
    description: str = "",
    weights: str = "",
    available: Callable[[], bool] | None = None,
    **kwargs: Any,
) -> None:
    """Register a named model; ``kwargs`` are passed to the adapter's constructor."""
    _MODELS[name] = ModelEntry(name, adapter, kwargs, description, weights, available)


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _BUILTIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            target = entry.load()
        except Exception:
            logger.exception("Model plugin %s could not be loaded; skipping it", entry.value)
            continue
        if isinstance(target, type) and issubclass(target, Model) and entry.name not in _ADAPTERS:
            _ADAPTERS[entry.name] = AdapterEntry(entry.name, target, takes_argument=True)


def adapters() -> dict[str, AdapterEntry]:
    """Return the registered adapters by name."""
    _load_builtins()
    return dict(_ADAPTERS)


def named_models() -> dict[str, ModelEntry]:
    """Return the registered named models by name."""
    _load_builtins()
    return dict(_MODELS)


def _architecture_table(mapping_name: str) -> set[str]:
    from transformers.models.auto import modeling_auto

    table = getattr(modeling_auto, mapping_name, None)
    if table is None:
        logger.warning("transformers has no table %s; adapters that name it match nothing", mapping_name)
        return set()
    names: set[str] = set()
    for value in table.values():
        names.update(value if isinstance(value, (tuple, list)) else [value])
    return names


def _read_architectures(source: str, revision: str | None, trust_remote_code: bool) -> list[str]:
    folder = Path(source)
    if not folder.is_dir() and (source.startswith((".", "/", "~")) or folder.exists()):
        raise ModelError(f"Model folder {source!r} not found or not a folder; pass hf:<local checkpoint folder> or hf:<hub id>.")
    if folder.is_dir():
        config_path = folder / "config.json"
        if not config_path.is_file():
            raise ModelError(f"{folder} has no config.json; pass the folder of a saved transformers checkpoint.")
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ModelError(f"{config_path} is not valid JSON: {error}") from None
        return list(config.get("architectures") or [])
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(source, revision=revision, trust_remote_code=trust_remote_code)
    except OSError as error:
        raise ModelError(
            f"Could not load the config of {source!r} from the Hugging Face hub: {str(error).rstrip('.')}. "
            "Without network access, pass the path of a local checkpoint folder as hf:<path>."
        ) from None
    return list(getattr(config, "architectures", None) or [])


def resolve_hf_adapter(source: str, options: LoadOptions) -> AdapterEntry:
    """Pick the adapter for a transformers checkpoint from its declared architectures."""
    _load_builtins()
    architectures = _read_architectures(source, options.revision, options.trust_remote_code)
    if not architectures:
        raise ModelError(f"The config.json of {source!r} lists no 'architectures'; cannot choose an adapter.")
    matches = []
    for entry in _ADAPTERS.values():
        for mapping in entry.hf_mappings:
            if set(architectures) & _architecture_table(mapping):
                matches.append(entry)
                break
    if not matches:
        raise ModelError(
            f"No adapter runs architectures {architectures} of {source!r}. "
            f"Adapters: {', '.join(sorted(_ADAPTERS))}; a plugin can add one via the 'harness.models' entry points."
        )
    return max(matches, key=lambda entry: entry.priority)


def _unknown(name: str) -> ModelError:
    known = sorted(set(_MODELS) | {f"{adapter}:" for adapter, entry in _ADAPTERS.items() if entry.takes_argument})
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return ModelError(
        f"Unknown model {name!r}.{hint} Use a registered name (see 'harness models'), "
        "hf:<hub id or local folder>, published:<system> or predictions:<file>."
    )


def load_model(name: str, options: LoadOptions | None = None) -> Model:
    """Build the model that ``name`` designates; see the module docstring for the forms of ``name``."""
    _load_builtins()
    options = options or LoadOptions()
    if name in _MODELS:
        entry = _MODELS[name]
        if not entry.is_available():
            raise ModelError(f"Model {name!r} is not installed: {entry.weights or entry.description}")
        adapter = _ADAPTERS[entry.adapter]
        return adapter.cls(name=name, options=options, **entry.kwargs)  # type: ignore[call-arg]
    if name in _ADAPTERS and not _ADAPTERS[name].takes_argument:
        return _ADAPTERS[name].cls(name=name, options=options)  # type: ignore[call-arg]
    prefix, separator, argument = name.partition(":")
    if separator and prefix == "hf":
        adapter = resolve_hf_adapter(argument, options)
        logger.info("Model %s uses adapter %s", name, adapter.name)
        return adapter.cls(name=name, options=options, source=argument)  # type: ignore[call-arg]
    if separator and prefix in _ADAPTERS and _ADAPTERS[prefix].takes_argument:
        return _ADAPTERS[prefix].cls(name=name, options=options, argument=argument)  # type: ignore[call-arg]
    raise _unknown(name)
