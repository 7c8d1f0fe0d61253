package llm

import "github.com/cartwright-agent/cartwright/planner"

// promptVocabulary is the vocabulary the model sees: the merged lists,
// without the per-category product records (they are the offline
// planner's index, far larger than a prompt should be).
func promptVocabulary(req planner.Request) planner.Vocabulary {
	v := req.Vocabulary
	v.Catalog = nil
	return v
}
