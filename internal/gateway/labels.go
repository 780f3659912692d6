package gateway

// Taxonomy names, as the API accepts them.
const (
	GoEmotions = "goemotions"
	Ekman      = "ekman"
)

// goEmotionsLabels are the 27 GoEmotions emotions plus neutral, in the order
// of the dataset's labels.txt (ties in confidence are broken by this order).
var goEmotionsLabels = [...]string{
	"admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
	"curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
	"excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
	"pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
}

// ekmanLabels are Ekman's six basic emotions plus neutral.
var ekmanLabels = [...]string{"anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"}

// ekmanOf maps each GoEmotions label to its Ekman category, as
// goemotions/ekman_mapping.json does (neutral stays neutral). Every Ekman
// label is also a GoEmotions label, so an upstream that already answers in
// Ekman labels maps onto itself.
var ekmanOf = map[string]string{
	"anger": "anger", "annoyance": "anger", "disapproval": "anger",
	"disgust": "disgust",
	"fear":    "fear", "nervousness": "fear",
	"joy": "joy", "amusement": "joy", "approval": "joy", "excitement": "joy", "gratitude": "joy",
	"love": "joy", "optimism": "joy", "relief": "joy", "pride": "joy", "admiration": "joy",
	"desire": "joy", "caring": "joy",
	"sadness": "sadness", "disappointment": "sadness", "embarrassment": "sadness", "grief": "sadness",
	"remorse":  "sadness",
	"surprise": "surprise", "realization": "surprise", "confusion": "surprise", "curiosity": "surprise",
	"neutral": "neutral",
}

// Labels returns a copy of the labels of taxonomy tax (nil when unknown).
func Labels(tax string) []string {
	switch tax {
	case GoEmotions:
		return append([]string(nil), goEmotionsLabels[:]...)
	case Ekman:
		return append([]string(nil), ekmanLabels[:]...)
	}
	return nil
}

// Taxonomies returns a fresh map of each taxonomy's labels.
func Taxonomies() map[string][]string {
	return map[string][]string{GoEmotions: Labels(GoEmotions), Ekman: Labels(Ekman)}
}

// labelIndex returns the position of label in taxonomy tax, or -1.
func labelIndex(tax, label string) int {
	labels := goEmotionsLabels[:]
	if tax == Ekman {
		labels = ekmanLabels[:]
	}
	for i, l := range labels {
		if l == label {
			return i
		}
	}
	return -1
}
