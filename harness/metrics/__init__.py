"""Corpus metrics for captioning, speech recognition, summarization and translation.

Each metric is registered by name and built with
``build_metric(name, language=..., **options)``. ``metric.compute(hypotheses,
references)`` takes one hypothesis string and one list of reference strings
per sample. It returns a :class:`MetricResult` with corpus scores (primary
first), the metric's signature, per-sample scores, sufficient statistics and
95 % bootstrap confidence intervals.

Registered metrics (module, reference implementation, score names):

=================  ===============  =======================================  =====================
name               module           computed by / equal to                   scores
=================  ===============  =======================================  =====================
``bleu``           translation      sacrebleu BLEU                           bleu (0-100)
``chrf``           translation      sacrebleu chrF                           chrf (0-100)
``chrf++``         translation      sacrebleu chrF, word_order=2             chrf++ (0-100)
``ter``            translation      sacrebleu TER                            ter (0-100)
``rouge``          summarization    rouge_score 0.1.2 (own faster code)      rouge1, rouge2, rougeL,
                                                                             rougeLsum (+ _precision,
                                                                             _recall), fractions
``wer``            asr              jiwer process_words                      wer (fraction)
``cer``            asr              jiwer process_characters                 cer (fraction)
``coco_bleu``      captioning       pycocoevalcap Bleu                       Bleu_4, Bleu_1..3
``meteor``         captioning       pycocoevalcap Meteor (Java)              METEOR
``coco_rouge_l``   captioning       pycocoevalcap Rouge                      ROUGE_L
``cider``          captioning       pycocoevalcap Cider (own faster code)    CIDEr (CIDEr-D)
``spice``          captioning       pycocoevalcap Spice (Java + models)      SPICE
=================  ===============  =======================================  =====================

Every constructor accepts ``language`` (the task's target language or None),
``bootstrap_resamples`` (default 1000; 0 disables the intervals) and
``bootstrap_seed`` (default 12345), plus the options its class documents.
:mod:`harness.metrics.bootstrap` offers ``bootstrap_confidence_interval`` and
``paired_bootstrap`` for any metric. docs/metrics.md describes each metric.
"""

from harness.metrics.base import Metric, MetricResult
from harness.metrics.bootstrap import bootstrap_confidence_interval, paired_bootstrap
from harness.metrics.corpus import CorpusMetric
from harness.metrics.languages import default_asr_metric
from harness.metrics.registry import build_metric, metric_names, register_metric
from harness.metrics.scoring import score_texts

__all__ = [
    "CorpusMetric",
    "Metric",
    "MetricResult",
    "bootstrap_confidence_interval",
    "build_metric",
    "default_asr_metric",
    "metric_names",
    "paired_bootstrap",
    "register_metric",
    "score_texts",
]
