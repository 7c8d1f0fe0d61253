package merchants

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// A subset of the JSON Schema of ACP 2026-04-17 (schema.agentic_checkout.json,
// $defs), restated as Go values: required properties, the allowed property
// set (every object below has additionalProperties: false), types, enums and
// minimums of the objects the mock merchants return. Responses are checked
// against it so a drift from the protocol fails a test.

type prop struct {
	typ   string // string | integer | number | boolean | object | array | date-time | uri
	enum  []string
	ref   string // object definition (typ object) or array item definition (typ array)
	min   *int64
	open  bool // object with free-form content (no definition)
	items string
}

type def struct {
	required []string
	props    map[string]prop
}

func p(typ string) prop        { return prop{typ: typ} }
func ref(d string) prop        { return prop{typ: "object", ref: d} }
func arr(d string) prop        { return prop{typ: "array", ref: d} }
func arrOf(typ string) prop    { return prop{typ: "array", items: typ} }
func enum(vals ...string) prop { return prop{typ: "string", enum: vals} }
func minInt(n int64) prop      { return prop{typ: "integer", min: &n} }
func openObj() prop            { return prop{typ: "object", open: true} }
func allOf(ds ...map[string]prop) map[string]prop {
	out := map[string]prop{}
	for _, d := range ds {
		for k, v := range d {
			out[k] = v
		}
	}
	return out
}

var sessionStatuses = []string{"incomplete", "not_ready_for_payment", "requires_escalation", "authentication_required", "ready_for_payment", "pending_approval", "complete_in_progress", "completed", "canceled", "in_progress", "expired"}

var totalTypes = []string{"items_base_amount", "items_discount", "subtotal", "discount", "fulfillment", "tax", "fee", "gift_wrap", "tip", "store_credit", "total", "amount_refunded"}

var messageErrorCodes = []string{"missing", "invalid", "out_of_stock", "payment_declined", "requires_sign_in", "requires_3ds", "low_stock", "quantity_exceeded", "coupon_invalid", "coupon_expired", "minimum_not_met", "maximum_exceeded", "region_restricted", "age_verification_required", "approval_required", "unsupported", "not_found", "conflict", "rate_limited", "expired", "intervention_required"}

var messageWarningCodes = []string{"low_stock", "high_demand", "shipping_delay", "price_change", "expiring_promotion", "limited_availability", "discount_code_expired", "discount_code_invalid", "discount_code_already_applied", "discount_code_combination_disallowed", "discount_code_minimum_not_met", "discount_code_user_not_logged_in", "discount_code_user_ineligible", "discount_code_usage_limit_reached"}

var severities = []string{"info", "low", "medium", "high", "critical"}
var resolutions = []string{"recoverable", "requires_buyer_input", "requires_buyer_review"}

var sessionProps = map[string]prop{
	"id": p("string"), "protocol": ref("ProtocolVersion"), "capabilities": ref("Capabilities"), "buyer": openObj(),
	"status": enum(sessionStatuses...), "currency": p("string"), "presentment_currency": p("string"),
	"exchange_rate": p("number"), "exchange_rate_timestamp": p("date-time"), "locale": p("string"), "timezone": p("string"),
	"line_items": arr("LineItem"), "fulfillment_details": ref("FulfillmentDetails"),
	"fulfillment_options":          arr("FulfillmentOptionShipping"),
	"selected_fulfillment_options": arr("SelectedFulfillmentOption"), "fulfillment_groups": arrOf("object"),
	"totals": arr("Total"), "messages": arr("Message"), "links": arr("Link"), "authentication_metadata": openObj(),
	"created_at": p("date-time"), "updated_at": p("date-time"), "expires_at": p("date-time"), "continue_url": p("uri"),
	"metadata": openObj(), "quote_id": p("string"), "quote_expires_at": p("date-time"), "discounts": ref("DiscountsResponse"),
	"marketing_consent_options": arrOf("object"), "order": ref("Order"),
}

var sessionRequired = []string{"id", "status", "currency", "line_items", "totals", "fulfillment_options", "messages", "links", "capabilities"}

var messageCommon = map[string]prop{
	"severity": enum(severities...), "resolution": enum(resolutions...), "param": p("string"),
	"content_type": enum("plain", "markdown"), "content": p("string"),
}

var defs = map[string]def{
	"CheckoutSession":          {sessionRequired, sessionProps},
	"CheckoutSessionWithOrder": {append(slices.Clone(sessionRequired), "order"), sessionProps},
	"ProtocolVersion":          {[]string{"version"}, map[string]prop{"version": {typ: "string", enum: nil}}},
	"Capabilities":             {nil, map[string]prop{"payment": openObj(), "interventions": openObj(), "extensions": arrOf("any")}},
	"LineItem": {[]string{"id", "item", "quantity", "totals"}, map[string]prop{
		"id": p("string"), "item": ref("Item"), "quantity": minInt(1), "name": p("string"), "description": p("string"),
		"images": arrOf("uri"), "unit_amount": p("integer"), "disclosures": arrOf("object"), "custom_attributes": arrOf("object"),
		"marketplace_seller_details": openObj(), "product_id": p("string"), "sku": p("string"), "variant_id": p("string"),
		"category": p("string"), "tags": arrOf("string"), "weight": openObj(), "dimensions": openObj(),
		"availability_status": enum("in_stock", "low_stock", "out_of_stock", "backorder", "pre_order"),
		"available_quantity":  minInt(0), "max_quantity_per_order": minInt(1), "fulfillable_on": p("date-time"),
		"variant_options": arrOf("object"), "discount_details": arrOf("object"), "tax_exempt": p("boolean"),
		"tax_exemption_reason": p("string"), "parent_id": p("string"), "totals": arr("Total"),
	}},
	"Item":  {[]string{"id"}, map[string]prop{"id": p("string"), "name": p("string"), "unit_amount": p("integer")}},
	"Total": {[]string{"type", "display_text", "amount"}, map[string]prop{"type": enum(totalTypes...), "display_text": p("string"), "amount": p("integer"), "presentment_amount": p("integer"), "description": p("string"), "breakdown": arrOf("object")}},
	"FulfillmentOptionShipping": {[]string{"type", "id", "title", "totals"}, map[string]prop{
		"type": enum("shipping"), "id": p("string"), "title": p("string"), "description": p("string"), "carrier": p("string"),
		"earliest_delivery_time": p("date-time"), "latest_delivery_time": p("date-time"), "totals": arr("Total"),
	}},
	"SelectedFulfillmentOption": {[]string{"type", "option_id", "item_ids"}, map[string]prop{"type": enum("shipping", "digital", "pickup", "local_delivery"), "option_id": p("string"), "item_ids": arrOf("string")}},
	"FulfillmentDetails":        {nil, map[string]prop{"name": p("string"), "phone_number": p("string"), "email": p("string"), "address": ref("Address")}},
	"Address": {[]string{"name", "line_one", "city", "state", "country", "postal_code"}, map[string]prop{
		"name": p("string"), "line_one": p("string"), "line_two": p("string"), "city": p("string"), "state": p("string"),
		"country": p("string"), "postal_code": p("string"), "company": p("string"),
	}},
	"MessageInfo":       {[]string{"type", "content_type", "content"}, allOf(messageCommon, map[string]prop{"type": enum("info")})},
	"MessageWarning":    {[]string{"type", "code", "content_type", "content"}, allOf(messageCommon, map[string]prop{"type": enum("warning"), "code": enum(messageWarningCodes...)})},
	"MessageError":      {[]string{"type", "code", "content_type", "content"}, allOf(messageCommon, map[string]prop{"type": enum("error"), "code": enum(messageErrorCodes...)})},
	"Link":              {[]string{"type", "url"}, map[string]prop{"type": enum("terms_of_use", "privacy_policy", "return_policy", "shipping_policy", "contact_us", "about_us", "faq", "support"), "title": p("string"), "url": p("uri")}},
	"DiscountsResponse": {nil, map[string]prop{"codes": arrOf("string"), "applied": arr("AppliedDiscount"), "rejected": arrOf("object")}},
	"AppliedDiscount": {[]string{"id", "coupon", "amount"}, map[string]prop{
		"id": p("string"), "code": p("string"), "coupon": ref("Coupon"), "amount": minInt(0), "automatic": p("boolean"),
		"start": p("date-time"), "end": p("date-time"), "method": enum("each", "across"), "priority": minInt(1), "allocations": arrOf("object"),
	}},
	"Coupon": {[]string{"id", "name"}, map[string]prop{"id": p("string"), "name": p("string"), "percent_off": p("number"), "amount_off": minInt(0), "currency": p("lowercurrency"), "duration": enum("once", "repeating", "forever"), "duration_in_months": minInt(1), "max_redemptions": minInt(1), "times_redeemed": minInt(0), "metadata": openObj()}},
	"Order": {[]string{"id", "checkout_session_id", "permalink_url"}, map[string]prop{
		"type": enum("order"), "id": p("string"), "checkout_session_id": p("string"), "order_number": p("string"),
		"client_reference_id": p("string"), "permalink_url": p("uri"), "status": p("string"),
		"estimated_delivery": ref("EstimatedDelivery"), "confirmation": openObj(), "support": openObj(),
		"line_items": arr("OrderLineItem"), "fulfillments": arrOf("object"), "adjustments": arrOf("object"), "totals": arr("Total"),
	}},
	"EstimatedDelivery": {[]string{"earliest", "latest"}, map[string]prop{"earliest": p("date-time"), "latest": p("date-time")}},
	"OrderLineItem": {[]string{"id", "title", "quantity"}, map[string]prop{
		"id": p("string"), "title": p("string"), "product_id": p("string"), "image_url": p("uri"), "url": p("uri"),
		"quantity": ref("OrderLineItemQuantity"), "unit_price": p("integer"), "subtotal": p("integer"), "totals": arr("Total"), "status": p("string"),
	}},
	"OrderLineItemQuantity": {[]string{"ordered", "current"}, map[string]prop{"ordered": minInt(1), "current": minInt(0), "fulfilled": minInt(0)}},
	"DiscoveryResponse": {[]string{"protocol", "api_base_url", "transports", "capabilities"}, map[string]prop{
		"protocol": ref("DiscoveryProtocol"), "api_base_url": p("uri"), "transports": arrOf("string"), "capabilities": ref("DiscoveryCapabilities"),
	}},
	"DiscoveryProtocol":     {[]string{"name", "version", "supported_versions"}, map[string]prop{"name": enum("acp"), "version": p("string"), "supported_versions": arrOf("string"), "documentation_url": p("uri")}},
	"DiscoveryCapabilities": {[]string{"services"}, map[string]prop{"services": arrOf("string"), "extensions": arrOf("object"), "intervention_types": arrOf("string"), "supported_currencies": arrOf("lowercurrency"), "supported_locales": arrOf("string")}},
	"Error":                 {[]string{"type", "code", "message"}, map[string]prop{"type": enum("invalid_request", "processing_error", "service_unavailable"), "code": p("string"), "message": p("string"), "param": p("string"), "supported_versions": arrOf("string")}},
}

var versionRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// validate checks a JSON document against definition name; it returns
// every violation found.
func validate(name string, doc []byte) []string {
	var v any
	d := json.NewDecoder(strings.NewReader(string(doc)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var errs []string
	validateObj(name, "$", v, &errs)
	return errs
}

func validateObj(name, path string, v any, errs *[]string) {
	if name == "Message" {
		m, _ := v.(map[string]any)
		switch m["type"] {
		case "info":
			name = "MessageInfo"
		case "warning":
			name = "MessageWarning"
		case "error":
			name = "MessageError"
		default:
			*errs = append(*errs, fmt.Sprintf("%s: message type %v", path, m["type"]))
			return
		}
	}
	df, ok := defs[name]
	if !ok {
		panic("no definition " + name)
	}
	m, ok := v.(map[string]any)
	if !ok {
		*errs = append(*errs, fmt.Sprintf("%s: %s must be an object", path, name))
		return
	}
	for _, r := range df.required {
		if _, ok := m[r]; !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %s requires %q", path, name, r))
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		pr, ok := df.props[k]
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %s does not allow property %q", path, name, k))
			continue
		}
		validateProp(pr, path+"."+k, m[k], errs)
	}
	if name == "ProtocolVersion" {
		if s, _ := m["version"].(string); !versionRE.MatchString(s) {
			*errs = append(*errs, fmt.Sprintf("%s.version: %q is not YYYY-MM-DD", path, s))
		}
	}
}

func validateProp(pr prop, path string, v any, errs *[]string) {
	bad := func(want string) { *errs = append(*errs, fmt.Sprintf("%s: want %s, got %T %v", path, want, v, v)) }
	switch pr.typ {
	case "string", "date-time", "uri", "lowercurrency":
		s, ok := v.(string)
		if !ok {
			bad(pr.typ)
			return
		}
		if pr.enum != nil && !slices.Contains(pr.enum, s) {
			*errs = append(*errs, fmt.Sprintf("%s: %q not in enum %v", path, s, pr.enum))
		}
		switch pr.typ {
		case "date-time":
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				bad("RFC 3339 date-time")
			}
		case "uri":
			if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
				bad("absolute URI")
			}
		case "lowercurrency":
			if !regexp.MustCompile(`^[a-z]{3}$`).MatchString(s) {
				bad("^[a-z]{3}$")
			}
		}
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			bad("integer")
			return
		}
		i, err := n.Int64()
		if err != nil {
			bad("integer")
			return
		}
		if pr.min != nil && i < *pr.min {
			*errs = append(*errs, fmt.Sprintf("%s: %d below minimum %d", path, i, *pr.min))
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			bad("number")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("boolean")
		}
	case "object":
		if pr.open {
			if _, ok := v.(map[string]any); !ok {
				bad("object")
			}
			return
		}
		validateObj(pr.ref, path, v, errs)
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("array")
			return
		}
		for i, x := range a {
			ip := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case pr.ref != "":
				validateObj(pr.ref, ip, x, errs)
			case pr.items == "any":
			default:
				validateProp(prop{typ: pr.items}, ip, x, errs)
			}
		}
	default:
		panic("unknown type " + pr.typ)
	}
}

// The validator must catch what the schema forbids, or the response tests
// above prove nothing.
func TestValidatorCatchesDrift(t *testing.T) {
	good := `{"id":"cs_1","status":"ready_for_payment","currency":"cny","line_items":[],"totals":[{"type":"total","display_text":"Total","amount":100}],"fulfillment_options":[],"messages":[],"links":[],"capabilities":{}}`
	if errs := validate("CheckoutSession", []byte(good)); len(errs) != 0 {
		t.Fatalf("valid session rejected: %v", errs)
	}
	for name, doc := range map[string]string{
		"missing links":       strings.Replace(good, `"links":[],`, ``, 1),
		"bad status":          strings.Replace(good, `ready_for_payment`, `ready`, 1),
		"unknown property":    strings.Replace(good, `"id":"cs_1"`, `"id":"cs_1","merchant":"x"`, 1),
		"float amount":        strings.Replace(good, `"amount":100`, `"amount":1.5`, 1),
		"bad total type":      strings.Replace(good, `"type":"total"`, `"type":"grand_total"`, 1),
		"bad message code":    strings.Replace(good, `"messages":[]`, `"messages":[{"type":"error","code":"price_changed","content_type":"plain","content":"x"}]`, 1),
		"line without totals": strings.Replace(good, `"line_items":[]`, `"line_items":[{"id":"l","item":{"id":"A"},"quantity":1}]`, 1),
		"zero quantity":       strings.Replace(good, `"line_items":[]`, `"line_items":[{"id":"l","item":{"id":"A"},"quantity":0,"totals":[]}]`, 1),
	} {
		if errs := validate("CheckoutSession", []byte(doc)); len(errs) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
	if errs := validate("CheckoutSessionWithOrder", []byte(good)); len(errs) == 0 {
		t.Error("a session without order validated as CheckoutSessionWithOrder")
	}
}
