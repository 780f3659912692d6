"""Client for the SAMO emotion-detection API, standard library only.

    from samo import Client
    c = Client("https://samo.example", api_key=KEY)
    p = c.predict("I am thrilled with the results")
    print(p.primary_emotion, p.confidence, [(e.emotion, e.confidence) for e in p.emotions])
    for stored in c.predictions(emotion="joy"):
        print(stored.id, stored.text)

Errors are raised as APIError (RateLimited for 429) carrying the problem
document's fields. See the README in clients/python.
"""

from ._client import Client
from ._errors import APIError, InsecureTransportError, RateLimited
from ._models import BatchItem, BatchResult, EmotionScore, Prediction

__all__ = [
    "Client",
    "APIError",
    "RateLimited",
    "InsecureTransportError",
    "Prediction",
    "EmotionScore",
    "BatchResult",
    "BatchItem",
]

__version__ = "0.1.0"
