"""The bodies the calculators API answers with, as serializers.

They document the dicts that ``selectors.calculate`` returns (the API sends
those dicts as they are): each calculator's own figures, plus ``inputs`` and
``defaults`` built from the calculator's parameter list.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lessons import selectors


class SizeSerializer(serializers.Serializer):
    bytes = serializers.FloatField()
    GB = serializers.FloatField(help_text="bytes / 1e9")
    GiB = serializers.FloatField(help_text="bytes / 2^30")


class StepSerializer(serializers.Serializer):
    label = serializers.CharField()
    expression = serializers.CharField()
    value = serializers.FloatField()
    unit = serializers.CharField()
    GB = serializers.FloatField(required=False, help_text="When unit is bytes.")
    GiB = serializers.FloatField(required=False, help_text="When unit is bytes.")


class GpuFitSerializer(serializers.Serializer):
    gpu = serializers.CharField()
    label = serializers.CharField()
    capacity_gb = serializers.IntegerField(help_text="Memory in GiB, rounded.")
    fits = serializers.BooleanField()
    fraction_used = serializers.FloatField()
    min_gpus = serializers.IntegerField()
    free = SizeSerializer()


@extend_schema_field({"oneOf": [{"type": "boolean"}, {"type": "string"}]})
class BoolOrFormatField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return value


def _param_field(param: selectors.Param, *, required: bool) -> serializers.Field:
    """A calculator input as the body echoes it (``inputs``, ``defaults``)."""
    options = {"required": required, "allow_null": param.default == ""}
    if param.kind in ("count", "number"):
        return serializers.FloatField(**options)
    if param.kind == "bool":
        return serializers.BooleanField(**options)
    if param.kind == "master":
        return BoolOrFormatField(**options)
    return serializers.CharField(help_text=param.help, **options)


def _params_field(
    calculator: selectors.Calculator, name: str, *, defaults: bool, help_text: str
) -> serializers.Field:
    fields = {
        p.name: _param_field(p, required=not defaults)
        for p in calculator.params
        if not (defaults and p.default is None)
    }
    if not fields:  # every input is required: nothing is ever defaulted
        return serializers.DictField(help_text=f"{help_text} Always empty here.")
    attrs = {**fields, "__module__": __name__, "__doc__": help_text}
    return type(name, (serializers.Serializer,), attrs)(help_text=help_text)


class _CalculatorOutputSerializer(serializers.Serializer):
    """What every calculator answers besides its own figures (``inputs`` and
    ``defaults`` are added per calculator by ``_calculator_api``)."""

    convention = serializers.CharField(help_text="What the figure counts.")
    steps = StepSerializer(many=True, help_text="The working, step by step.")
    units = serializers.CharField()


class _MemoryOutputSerializer(_CalculatorOutputSerializer):
    bytes = serializers.FloatField()
    GB = serializers.FloatField()
    GiB = serializers.FloatField()
    total = SizeSerializer()


class _StatesPerParamSerializer(serializers.Serializer):
    weights = serializers.FloatField()
    gradients = serializers.FloatField()
    master_weights = serializers.FloatField()
    optimizer_states = serializers.FloatField()
    total = serializers.FloatField()


class _StatesSerializer(serializers.Serializer):
    weights = SizeSerializer()
    gradients = SizeSerializer()
    master_weights = SizeSerializer()
    optimizer_states = SizeSerializer()
    total = SizeSerializer()


class TrainingMemoryOutputSerializer(_MemoryOutputSerializer):
    params = serializers.IntegerField()
    weights_dtype = serializers.CharField()
    grads_dtype = serializers.CharField()
    accumulation_dtype = serializers.CharField(allow_null=True)
    master_dtype = serializers.CharField(allow_null=True)
    optimizer = serializers.CharField()
    optimizer_dtype = serializers.CharField(allow_null=True)
    zero_stage = serializers.IntegerField()
    gpus = serializers.IntegerField()
    bytes_per_param = serializers.FloatField()
    k = serializers.FloatField(help_text="ZeRO's K: optimizer-state bytes/param.")
    per_param = _StatesPerParamSerializer(help_text="Bytes per parameter.")
    per_gpu = _StatesSerializer()
    all_gpus = _StatesSerializer()
    notes = serializers.ListField(child=serializers.CharField())
    fits = GpuFitSerializer(many=True)


class InferenceMemoryOutputSerializer(_MemoryOutputSerializer):
    params = serializers.IntegerField()
    dtype = serializers.CharField()
    block_size = serializers.IntegerField(allow_null=True)
    double_quant = serializers.BooleanField()
    bits_per_param = serializers.FloatField()
    weights = SizeSerializer()
    constants = SizeSerializer(help_text="The quantization constants.")
    fits = GpuFitSerializer(many=True)


class KVCacheOutputSerializer(_MemoryOutputSerializer):
    layers = serializers.IntegerField()
    kv_heads = serializers.IntegerField()
    head_dim = serializers.IntegerField()
    seq_len = serializers.IntegerField()
    batch = serializers.IntegerField()
    dtype = serializers.CharField()
    bytes_per_token = serializers.FloatField()
    fits = GpuFitSerializer(many=True)


class ActivationMemoryOutputSerializer(_MemoryOutputSerializer):
    seq_len = serializers.IntegerField()
    micro_batch = serializers.IntegerField()
    hidden = serializers.IntegerField()
    heads = serializers.IntegerField()
    layers = serializers.IntegerField()
    tensor_parallel = serializers.IntegerField()
    sequence_parallel = serializers.BooleanField()
    recompute = serializers.CharField()
    per_layer = SizeSerializer()
    formula = serializers.CharField()


class TrainingComputeOutputSerializer(_CalculatorOutputSerializer):
    params = serializers.IntegerField()
    tokens = serializers.IntegerField()
    flops = serializers.FloatField()
    petaflop_days = serializers.FloatField()


_BODIES: dict[str, type[serializers.Serializer]] = {
    "training-memory": TrainingMemoryOutputSerializer,
    "inference-memory": InferenceMemoryOutputSerializer,
    "kv-cache": KVCacheOutputSerializer,
    "activation-memory": ActivationMemoryOutputSerializer,
    "training-compute": TrainingComputeOutputSerializer,
}


def output_serializer(name: str, *, stem: str) -> type[serializers.Serializer]:
    """Calculator ``name``'s whole body: its figures, ``inputs`` and
    ``defaults`` (components named ``<stem>``, ``<stem>Inputs``...)."""
    calculator = selectors.CALCULATORS[name]
    attrs = {
        "inputs": _params_field(
            calculator,
            f"{stem}InputsSerializer",
            defaults=False,
            help_text="The inputs as read.",
        ),
        "defaults": _params_field(
            calculator,
            f"{stem}DefaultsSerializer",
            defaults=True,
            help_text="The inputs left out, with the default used.",
        ),
        "__module__": __name__,
        "__doc__": calculator.summary,
    }
    return type(f"{stem}Serializer", (_BODIES[name],), attrs)
