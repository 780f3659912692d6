"""Result types of samo.Client."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass(frozen=True)
class EmotionScore:
    """One emotion with its confidence in [0, 1]."""

    emotion: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    """A stored prediction."""

    id: str
    text: str
    primary_emotion: str
    confidence: float
    emotions: List[EmotionScore]
    taxonomy: str = ""
    model_version: str = ""
    request_id: str = ""
    timestamp: str = ""
    flags: List[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Prediction":
        return cls(
            id=d.get("id", ""),
            text=d.get("text", ""),
            primary_emotion=d.get("primary_emotion", ""),
            confidence=float(d.get("confidence", 0.0)),
            emotions=[EmotionScore(e["emotion"], float(e["confidence"])) for e in d.get("emotions") or []],
            taxonomy=d.get("taxonomy", ""),
            model_version=d.get("model_version", ""),
            request_id=d.get("request_id", ""),
            timestamp=d.get("timestamp", ""),
            flags=list(d.get("flags") or []),
        )


@dataclass(frozen=True)
class BatchItem:
    """One text of a batch: its prediction, or the error code and message."""

    index: int
    prediction: Optional[Prediction]
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class BatchResult:
    """The answer of predict_batch, in the order of the texts."""

    results: List[BatchItem]
    succeeded: int
    failed: int
    request_id: str = ""

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "BatchResult":
        items = []
        for r in d.get("results") or []:
            err = r.get("error") or {}
            p = r.get("prediction")
            items.append(BatchItem(int(r.get("index", 0)), Prediction.from_json(p) if p else None,
                                   err.get("code", ""), err.get("message", "")))
        return cls(items, int(d.get("succeeded", 0)), int(d.get("failed", 0)), d.get("request_id", ""))

    @property
    def predictions(self) -> List[Optional[Prediction]]:
        """The predictions in text order (None where a text failed)."""
        return [i.prediction for i in self.results]
