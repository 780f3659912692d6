// Package emotion is SAMO's emotion engine: a pure-Go multi-label
// classifier for short informal English, trained by this package on the
// GoEmotions corpus and embedded in the binary.
//
// # Using it
//
// Default parses the embedded model; LoadFile and Load read another
// model file. A Model is immutable and safe for concurrent use; Predict
// borrows its working memory from a sync.Pool inside the Model and
// allocates only the returned slice. Predict never returns an empty
// prediction: the most probable label is always included. The primary
// emotion is the most probable label, unless the model carries a
// PrimaryRule (the embedded one does), which may choose another. With a
// nil threshold each label is decided with its own
// threshold tuned on dev; with a threshold, labels at or above it are
// returned.
//
// # Text to features
//
// The tokenizer (tokenize.go) lowercases, straightens typographic quotes,
// keeps "[NAME]" and "[RELIGION]" whole, keeps emoji (one token each,
// variation selectors, joiners and skin tones dropped), "!", "?" and a few
// ASCII emoticons (":)", ":(", "<3", ...) as tokens, caps letter runs at two
// ("sooooo" → "soo", so elongation stays visible but bounded), and splits
// contractions: "n't" becomes "not" ("can't" → "can not"), clitics become
// words ("I'm" → "i am", "they'll" → "they will"), "'s" stays "'s" (it is
// as often a possessive as "is"), and the same forms typed without an
// apostrophe ("dont", "im") are expanded too. Runs of "!" or "?" become
// "!!"/"??"; runs of the same emoji keep two.
//
// Features are hashed, never looked up by string: word unigrams, word
// bigrams (with start and end markers) and character n-grams of each word
// padded with spaces (lengths FeatureConfig.CharMin..CharMax, like
// scikit-learn's char_wb), hashed with FNV-1a and a splitmix64 finaliser
// into 2^Bits buckets, each family with its own seed. The word block and
// the char block are each divided by the square root of their number of
// occurrences and weighted. Hashing keeps prediction free of string
// building and map lookups: a text's features are computed into reused
// buffers and summed directly from the int8 weight table, which is held in
// memory eight weights to a uint64 (biased by 128) so that one row of 35
// weights is added with five 64-bit loads into 16-bit lanes.
//
// # Model and training
//
// One logistic regression per output (a sigmoid per label, one-vs-rest),
// on features scaled per label by Naive-Bayes log-count ratios (NB-LR, the
// logistic-regression variant of Wang & Manning's NBSVM): the ratio is
// folded into the weights after training, so prediction is a plain dot
// product. Each regression is L2-regularised and solved exactly by dual
// coordinate descent (LIBLINEAR's solver for the dual of L2 logistic
// regression). All outputs share one pass over each training text per
// step (weights interleaved by column), visit texts in the same seeded
// order (PCG), and stop on their own criterion; outputs are split between
// goroutines (two on the target machine). A given seed gives a
// byte-identical model file whatever the number of goroutines; a test
// checks it.
//
// With word vectors (TrainOptions.Vectors) a text also gets dense
// features: the mean and max of its words' vectors and the mean of its
// negated words' vectors, standardised on train. A seed lexicon
// (TrainOptions.Lexicon, DefaultLexicon) turns each vocabulary word whose
// vector is close to one class's seed words into an extra word token for
// that class (so "revolting", rare on Reddit, also counts as a disgust
// word); the class of each word is computed once at training and stored
// in the file. With TrainOptions.Ensemble the regressions are also solved
// without the dense features, and the two linear models are averaged
// into one before quantisation: an ensemble at the cost of one model.
//
// Features seen in fewer than MinDF training texts are dropped. Weights
// are quantised to int8 with one scale per output (max |w| / 127); rows
// whose weights all round to zero are dropped. Calibration and thresholds
// are fit on the quantised model, so they describe exactly what ships.
//
// # Calibration and thresholds
//
// Each label's score is mapped to a probability by Platt scaling fit on
// the dev split (Newton's method on Platt's smoothed targets), and each
// label's decision threshold is the one that maximises its F1 on dev
// (with TrainOptions.ThresholdBandwidth, a smoothed F1). With
// TrainOptions.StackLambda each GoEmotions score is first refitted on dev
// over the scores of all outputs (stack.go), folded into the weights;
// with TrainOptions.Softmax (the default) the logits of a softmax model
// over the same features are stack inputs too (softmax.go).
// With TrainOptions.DevInTrain (the default) the GoEmotions weights are
// then retrained on train + dev, warm-started from the train solve, and
// keep the stack, calibration and thresholds fitted on dev for the model
// trained on train; the Ekman outputs stay those of that model. With
// TrainOptions.OOFFolds (2 in the default model, since 2026.12.5) the
// GoEmotions thresholds are tuned on out-of-fold scores of train as well
// as on dev (oof.go). The test
// split is never read by training: it is only for reporting (Evaluate,
// "samo model eval --split test").
//
// # Ekman
//
// Training fits seven extra outputs on the Ekman labels (GoEmotions labels
// mapped with ekman_mapping.json) and then compares on dev four ways of
// producing Ekman probabilities: "own" (the seven outputs), "noisy-or"
// (1 − Π(1 − p) over each Ekman label's member probabilities), "max", and
// "blend" (the mean of the own logit and the noisy-or logit). Each is
// recalibrated and thresholded on dev, and the one with the best dev
// macro-F1 is recorded in the file (Model.EkmanMode). If a derived mode
// wins, the seven extra weight columns are dropped from the file.
//
// # Evaluation
//
// Evaluate applies Predict's decision rule. MacroF1 and MicroF1 use the
// tuned thresholds; MacroF1At03 uses one threshold of 0.3 (the protocol of
// the GoEmotions paper's BERT baseline) with the same always-one-label
// rule. ECE is the expected calibration error over every (text, label)
// probability in 10 equal-width bins. A label with no prediction and no
// support scores F1 0 (scikit-learn's zero_division=0).
//
// # Model file
//
// A model file is: the magic bytes "SAMOEMO\x00", a uint16 format version,
// uint16 flags, a uint64 payload length, the payload (gzip-compressed) and
// the SHA-256 of everything before it. The payload is a JSON header
// (labels, feature settings, biases, scales, calibration, thresholds,
// training metadata) followed by the delta-coded bucket of each weight row
// and the int8 weights. Load checks, in order, the magic, the version, the
// length, the checksum (before decompressing anything), then parses
// strictly (unknown JSON fields, inconsistent shapes, out-of-range
// buckets, trailing bytes and non-finite numbers are refused) with size
// caps on the file and the decompressed payload. Refusals wrap
// ErrNotModel, ErrVersion, ErrChecksum or ErrCorrupt. The checksum also
// names the model: Version is "goemo-linear-<release>+<first 8 hex digits
// of the SHA-256>".
package emotion
