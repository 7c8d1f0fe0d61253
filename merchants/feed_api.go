package merchants

import (
	"net/http"

	"github.com/cartwright-agent/cartwright/merchants/internal/httpx"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

// Feed API (openapi.feed.yaml of ACP 2026-04-17), served by every mock
// merchant for its own catalog feed (id FeedID(merchant)) and for feeds
// created over POST /feeds:
//
//	POST  /feeds                 CreateFeedRequest → 201 FeedMetadata; 400 invalid_target_country
//	GET   /feeds/{id}            → 200 FeedMetadata; 404 feed_not_found
//	GET   /feeds/{id}/products   → 200 ProductsResponse (the full current set); 404
//	PATCH /feeds/{id}/products   UpsertProductsRequest → 200 {id, accepted}; 400 invalid_product_payload; 404
//
// The RFC has the agent host this API and merchants push to it; the mock
// merchants host their own feed so it can be read (and updated) without an
// agent-side feed service.
func (a *api) feedRoutes() []route {
	return []route{
		{"POST", "/feeds", a.createFeed},
		{"GET", "/feeds/{id}", a.getFeed},
		{"GET", "/feeds/{id}/products", a.getFeedProducts},
		{"PATCH", "/feeds/{id}/products", a.upsertFeedProducts},
	}
}

func feedNotFound(w http.ResponseWriter) {
	httpx.WriteError(w, http.StatusNotFound, acp.ErrTypeInvalidRequest, acp.FeedErrNotFound, "Feed not found", "id")
}

func (a *api) createFeed(w http.ResponseWriter, r *http.Request) {
	var req acp.CreateFeedRequest
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	if req.TargetCountry != "" && !countryRE.MatchString(req.TargetCountry) {
		httpx.Invalid(w, acp.FeedErrInvalidTargetCountry, "target_country must be an ISO 3166-1 alpha-2 code", "target_country")
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, a.e.CreateFeed(req.TargetCountry))
}

func (a *api) getFeed(w http.ResponseWriter, r *http.Request) {
	meta, ok := a.e.FeedMetadata(r.PathValue("id"))
	if !ok {
		feedNotFound(w)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, meta)
}

func (a *api) getFeedProducts(w http.ResponseWriter, r *http.Request) {
	ps, ok := a.e.FeedProductSet(r.PathValue("id"))
	if !ok {
		feedNotFound(w)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, acp.FeedProductsResponse{Products: ps})
}

func (a *api) upsertFeedProducts(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := a.e.FeedMetadata(id); !ok {
		feedNotFound(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, httpx.MaxBody)
	var req acp.UpsertFeedProductsRequest
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	if len(req.Products) == 0 {
		httpx.Invalid(w, acp.FeedErrInvalidProducts, "products must contain at least one valid Product", "products")
		return
	}
	if err := ValidateFeedProducts(req.Products); err != nil {
		httpx.Invalid(w, acp.FeedErrInvalidProducts, err.Error(), "products")
		return
	}
	if !a.e.UpsertFeedProducts(id, req.Products) {
		feedNotFound(w)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, acp.UpsertFeedProductsResponse{ID: id, Accepted: true})
}
