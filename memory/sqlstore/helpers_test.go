package sqlstore_test

import (
	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
)

func localEmbedder() memory.Embedder { return localembed.Default() }
