"""The lesson's learning objectives and section anchors, which every template names."""

OBJECTIVES: dict[str, str] = {
    "fp-representation": "Explain how sign, exponent and mantissa bits set a format's range and precision.",
    "fewer-bits-save": "Compute what fewer bits save in memory, bandwidth and compute.",
    "quantization-vs-mixed": "Tell quantization for inference from mixed-precision training.",
    "precision-asymmetry": "Explain why weights need more precision than activations and gradients.",
}
SECTIONS: tuple[str, ...] = (
    "floating-point-numbers",
    "range-versus-precision",
    "what-fewer-bits-save",
    "quantization",
    "mixed-precision-training",
    "the-asymmetry",
)
