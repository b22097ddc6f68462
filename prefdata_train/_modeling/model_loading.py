"""Loading and preparing the reward model and its tokenizer: num_labels=1, pad token, dropout, PEFT."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, set_seed

from prefdata._errors import PrefdataError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def load_model(model: Any, args: Any) -> Any:
    """Return a sequence-classification model with one output, creating it from a path/id if needed.

    The seed is set first, so a new `score` head (loading a causal-LM checkpoint) is reproducible.
    """
    set_seed(args.seed)
    if isinstance(model, (str, os.PathLike)):
        kwargs = dict(args.model_init_kwargs or {})
        kwargs["num_labels"] = 1
        kwargs.setdefault("trust_remote_code", False)
        # Like TRL: float32 unless asked, where from_pretrained would follow the checkpoint's dtype.
        kwargs["dtype"] = _init_dtype(kwargs.get("dtype", "float32"))
        try:
            return _from_pretrained(AutoModelForSequenceClassification, str(model), kwargs)
        except TypeError as exc:  # a keyword the model class does not take, from model_init_kwargs
            raise PrefdataError(
                f"the model does not accept these model_init_kwargs: {_first_line(exc)}",
                where="RewardConfig.model_init_kwargs",
                fix="keep to `from_pretrained` keywords (dtype, revision, attn_implementation, ...)",
            ) from None
    check_num_labels(model)
    return model


def _init_dtype(dtype: Any) -> Any:
    """`model_init_kwargs["dtype"]` as a torch dtype (or `auto`); an unknown name is a user error."""
    if not isinstance(dtype, str) or dtype == "auto":
        return dtype
    found = DTYPES.get(dtype, getattr(torch, dtype, None))
    if not isinstance(found, torch.dtype) or not found.is_floating_point:
        raise PrefdataError(
            f"model_init_kwargs dtype {dtype!r} is not a floating-point torch dtype",
            where="RewardConfig.model_init_kwargs",
            fix=f"use one of {', '.join(DTYPES)} or auto",
        )
    return found


def _from_pretrained(auto_class: Any, path: str, kwargs: dict[str, Any]) -> Any:
    """Load weights from safetensors only: a pickled `pytorch_model.bin` can run code when loaded."""
    kwargs = {"use_safetensors": True, **kwargs}
    try:
        return auto_class.from_pretrained(path, **kwargs)
    except OSError as exc:
        if not kwargs["use_safetensors"] or not _has_pickled_weights(path):
            raise
        raise PrefdataError(
            f"the model has only pickled PyTorch weights (pytorch_model.bin), which prefdata does not load ({exc})",
            where=path,
            fix="convert the checkpoint to safetensors (save_pretrained(..., safe_serialization=True)) "
            "from a source you trust",
        ) from None


def _has_pickled_weights(path: str) -> bool:
    folder = Path(path)
    return folder.is_dir() and any(folder.glob("pytorch_model*.bin"))


def check_num_labels(model: Any, trained: bool = False) -> None:
    """Refuse a model whose head gives more than one number per sequence.

    `trained`: the model is to be scored with, so its head is the reward: reloading it with one
    label would replace the trained head with a random one, and which of several outputs means
    "better" would be a guess."""
    num_labels = getattr(model.config, "num_labels", None)
    if num_labels == 1:
        return
    if trained:
        raise PrefdataError(
            f"the model's classification head has num_labels={num_labels}: a classifier, not a reward model "
            "(one number per sequence); which output would be the reward is not guessed",
            where=type(model).__name__,
            fix="score with a reward model (trained with num_labels=1, e.g. by `prefdata-train fit`)",
        )
    raise PrefdataError(
        f"the model's classification head has num_labels={num_labels}; a reward model needs num_labels=1",
        where=type(model).__name__,
        fix="load it with AutoModelForSequenceClassification.from_pretrained(path, num_labels=1), "
        "or pass the path as a string and the trainer will do it",
    )


def load_tokenizer(model: Any, processing_class: Any, args: Any) -> Any:
    """The tokenizer to use: the one given, else the model's; with eos, pad and chat template set."""
    tokenizer = processing_class
    if tokenizer is None:
        name = model if isinstance(model, (str, os.PathLike)) else model.config._name_or_path
        revision = (args.model_init_kwargs or {}).get("revision")
        tokenizer = AutoTokenizer.from_pretrained(str(name), revision=revision)
    if args.eos_token is not None:
        _require_token(tokenizer, args.eos_token, "eos_token")
        tokenizer.eos_token = args.eos_token
    if args.chat_template_path is not None:
        tokenizer.chat_template = _read_chat_template(args.chat_template_path)
    pad = args.pad_token or tokenizer.pad_token or tokenizer.eos_token
    if pad is None:
        raise PrefdataError(
            "the tokenizer has neither a pad token nor an eos token, so batches cannot be padded",
            where="tokenizer",
            fix="pass --pad-token with a token of its vocabulary (pad_token in --config)",
        )
    _require_token(tokenizer, pad, "pad_token")
    tokenizer.pad_token = pad
    return tokenizer


def _require_token(tokenizer: Any, token: str | None, field: str) -> None:
    if token is None or token not in tokenizer.get_vocab():
        raise PrefdataError(
            f"{field} {token!r} is not in the tokenizer's vocabulary",
            where="RewardConfig." + field,
            fix="choose a token the tokenizer has, or add it (and resize the model's embeddings) first",
        )


def _read_chat_template(path: str) -> str:
    """A chat template from a `.jinja`/`.j2` file or from a tokenizer folder."""
    if path.endswith((".jinja", ".j2")):
        if not os.path.isfile(path):  # else it would be looked up as a Hub id, and the model blamed
            raise PrefdataError(
                "chat template file not found", where=path, fix="pass the path of an existing .jinja file"
            )
        return Path(path).read_text(encoding="utf-8")
    template = AutoTokenizer.from_pretrained(path).chat_template
    if not template:
        raise PrefdataError(
            "no chat template there", where=path, fix="point chat_template_path at a .jinja file"
        )
    return template


def configure_model(model: Any, tokenizer: Any, args: Any) -> None:
    """Tell the model the pad/eos ids and turn dropout off when asked."""
    text_config = model.config.get_text_config()
    text_config.pad_token_id = tokenizer.pad_token_id
    forget_reward_normalization(model)
    if args.eos_token is not None:
        text_config.eos_token_id = tokenizer.eos_token_id
    if args.disable_dropout:
        disable_dropout(model)
    check_trainable_attention(model, args)


def forget_reward_normalization(model: Any) -> None:
    """Drop the `reward_normalization` a starting model's config may hold (`prefdata-train normalize`).

    It was measured on that model's rewards, which training changes: kept, the trained model's
    config would carry it and `score --normalize` would standardise with numbers of another model.
    """
    for config in {id(c): c for c in (model.config, model.config.get_text_config())}.values():
        if hasattr(config, "reward_normalization"):
            delattr(config, "reward_normalization")


def check_trainable_attention(model: Any, args: Any) -> None:
    """Refuse flex attention when training would run on CPU: torch has no flex backward there."""
    implementation = getattr(getattr(model, "config", None), "_attn_implementation", None)
    if implementation == "flex_attention" and args.device.type == "cpu":
        raise PrefdataError(
            "flex_attention trains only on a GPU: torch has no flex-attention backward pass on CPU",
            where="attn_implementation",
            fix="train on a GPU, or use attn_implementation sdpa (or eager) on CPU; "
            "flex_attention still serves `evaluate` and `score` on CPU",
        )


def disable_dropout(model: torch.nn.Module) -> None:
    """Set every dropout probability to 0: dropout layers and attention-dropout rates alike."""
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
        # Attention modules keep their rate as a float passed to the attention function.
        if isinstance(getattr(module, "attention_dropout", None), float):
            module.attention_dropout = 0.0  # type: ignore[assignment]  # a float, as checked above


def apply_peft(model: Any, peft_config: Any, args: Any) -> Any:
    """Wrap `model` with `peft_config` (the score head always trained), or check a PeftModel given as is."""
    from peft import PeftConfig, PeftModel, get_peft_model

    if peft_config is None:
        if isinstance(model, PeftModel):
            _require_trainable(model)
        return model
    if not isinstance(peft_config, PeftConfig):
        raise PrefdataError(
            f"peft_config is a {type(peft_config).__name__}", fix="pass a peft.LoraConfig (or PeftConfig)"
        )
    if isinstance(model, PeftModel):
        raise PrefdataError(
            "got a PeftModel and a peft_config",
            fix="pass the PeftModel without peft_config, or merge_and_unload() it first",
        )
    model = get_peft_model(model, with_score_head(peft_config))
    if args.activation_checkpointing:
        # Frozen embeddings give checkpointed layers inputs without grad; the adapters would get none.
        model.enable_input_require_grads()
    return model


def with_score_head(peft_config: Any) -> Any:
    """A copy of `peft_config` whose `modules_to_save` holds `score`, unless LoRA targets it already.

    PEFT does this itself only for `task_type="SEQ_CLS"`; with another or no task type the new
    head would stay random and frozen, and would be missing from the saved adapter.
    """
    config = copy.deepcopy(peft_config)
    targets = getattr(config, "target_modules", None) or []
    if "score" in (targets if not isinstance(targets, str) else [targets]):
        return config
    saved = list(config.modules_to_save or [])
    if "score" not in saved:
        config.modules_to_save = [*saved, "score"]
    return config


def _require_trainable(model: Any) -> None:
    if not any(p.requires_grad for p in model.parameters()):
        raise PrefdataError(
            "the PeftModel has no trainable parameter",
            fix="load it with PeftModel.from_pretrained(base, path, is_trainable=True)",
        )


def load_reward_model(
    path: str | Path, *, dtype: Any = None, attn_implementation: str | None = None
) -> tuple[Any, Any]:
    """Load a saved reward model folder (full model or PEFT adapter) and its tokenizer, in eval mode.

    An adapter folder is loaded on its base model and merged, so the result is a plain
    transformers model; read rewards with `prefdata_train._modeling.group_scoring.score_groups`.
    `attn_implementation` (eager, sdpa, flex_attention, flash_attention_2) overrides the
    model's default; one this machine cannot run is an error naming it.
    """
    path = Path(path)
    if not path.is_dir():
        raise PrefdataError(
            "model folder does not exist", where=str(path), fix="pass the trainer's output folder"
        )
    kwargs: dict[str, Any] = {"dtype": dtype} if dtype is not None else {}
    if attn_implementation is not None:
        kwargs["attn_implementation"] = attn_implementation
    try:
        model = _load_reward_weights(path, kwargs)
    except (ImportError, ValueError, OSError) as exc:
        if isinstance(exc, OSError) or (attn_implementation is None and isinstance(exc, ValueError)):
            raise PrefdataError(  # a config.json that is not JSON, or has no model_type
                f"cannot load the model: {_first_line(exc)}",
                where=str(path),
                fix="pass a folder written by `prefdata-train fit` or `save_pretrained`",
            ) from None
        if attn_implementation is None:
            raise
        raise PrefdataError(
            f"attention implementation {attn_implementation!r} is not available here: {_first_line(exc)}",
            where=str(path),
            fix="use --attn-implementation sdpa (or eager), or install what it needs",
        ) from None
    check_num_labels(model, trained=True)
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.get_text_config().pad_token_id = tokenizer.pad_token_id
    return model.eval(), tokenizer


def _load_reward_weights(path: Path, kwargs: dict[str, Any]) -> Any:
    if (path / "adapter_config.json").is_file():
        from peft import AutoPeftModelForSequenceClassification

        model = _from_pretrained(
            AutoPeftModelForSequenceClassification, str(path), {"num_labels": 1, **kwargs}
        )
        return model.merge_and_unload()
    return _from_pretrained(AutoModelForSequenceClassification, str(path), kwargs)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
