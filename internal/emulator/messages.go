package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// Codes the emulator answers with (see shared/cmdb-api.md).
const (
	CodeESBAuthFailed        = 1306000 // ESB: bad app code/secret or no valid user
	CodeESBParamRequired     = 1306406 // ESB: bk_biz_id missing
	CodeESBRateLimit         = 1306429 // ESB rate limit (HTTP 200)
	CodeCMDBJSONDecode       = 1199000 // CMDB: body is not the expected JSON
	CodeCMDBParamNeedSet     = 1199008 // CMDB: set_template_id missing or 0
	CodeCMDBParamInvalid     = 1199011 // CMDB: non-numeric bk_biz_id in the path
	CodeCMDBQueryFailed      = 1199017 // CMDB: backend query failure
	CodeCMDBPageLimit        = 1199059 // CMDB: page missing or out of range
	CodeCMDBRateLimit        = 1199997 // CMDB rate limit (HTTP 200)
	CodeCMDBGetInstancesFail = 1108024 // CMDB: get service instances failed
	CodeIAMNoPermission      = 9900403 // IAM denial, with a permission object
	CodeGWBadAppCredentials  = 1640001 // gateway 400
	CodeGWNoPermission       = 1640301 // gateway 403
	CodeGWNotFound           = 1640401 // gateway 404
	CodeGWRateLimit          = 1642903 // gateway 429
	CodeGWBadGateway         = 1650200 // gateway 502
	CodeGWBackendTimeout     = 1650401 // gateway 504
	// Codes of the topology and host APIs (see shared/cmdb-topology-api.md). Each
	// was read in bk-cmdb: src/common/errInfo.go names them, the messages are in
	// resources/errors/{english/en,common/default}/common.json and apiserver.json.
	CodeCMDBParamsInvalid = 1199006 // CCErrCommParamsInvalid: list_biz_hosts and list_set_template argument checks
	CodeCMDBNeedInt       = 1199009 // CCErrCommParamsNeedInt: search_set, search_module path ids
	CodeTenantInvalid     = 1100005 // CCErrAPICheckTenantInvalid (3.15 feature-tenant, apiserver TenantVerify filter)
	// Codes of the custom-model and dynamic-group APIs (see shared/cmdb-process-api.md).
	CodeCMDBInnerModel = 1199084 // CCErrCommForbiddenOperateInnerModelInstanceWithCommonAPI
	CodeCMDBNotFound   = 1199019 // CCErrCommNotFound: execute_dynamic_group of an unknown group
)

// message is a localised text.
type message struct{ en, zh string }

// defaultMessages are the messages of the codes, as the real services word them.
var defaultMessages = map[int64]message{
	CodeESBAuthFailed:        {"APP Secret verification failed, please check bk_app_code and bk_app_secret", "应用密钥校验失败，请检查 bk_app_code 和 bk_app_secret 是否正确"},
	CodeESBParamRequired:     {"Parameters error, param bk_biz_id is required", "参数错误，参数 bk_biz_id 为必填项"},
	CodeESBRateLimit:         {"Request frequency exceeds the limit, please try again later", "请求频率超过限制，请稍后重试"},
	CodeCMDBJSONDecode:       {"Deserializing JSON data failed", "JSON数据反序列化失败"},
	CodeCMDBParamNeedSet:     {"'set_template_id' cannot be omitted", "参数'set_template_id'不能为空"},
	CodeCMDBParamInvalid:     {"'bk_biz_id' the parameter is invalid or does not exist", "参数'bk_biz_id'无效或不存在"},
	CodeCMDBQueryFailed:      {"Failed to query data", "查询数据失败"},
	CodeCMDBPageLimit:        {"page limit is exceeded. suggestion 200", "分页大小超出最大限制，建议值为 200"},
	CodeCMDBRateLimit:        {"too many requests", "请求过于频繁"},
	CodeCMDBGetInstancesFail: {"get service instances failed", "获取服务实例失败"},
	CodeIAMNoPermission:      {"You do not have permission to perform this action", "您没有执行该操作的权限"},
	CodeGWBadAppCredentials:  {"App authentication failed, bk_app_code or bk_app_secret is incorrect", "蓝鲸应用认证失败，bk_app_code or bk_app_secret is incorrect"},
	CodeGWNoPermission:       {"App has no permission to the resource", "蓝鲸应用无权限访问该资源"},
	CodeGWNotFound:           {"API not found", "API 不存在"},
	CodeGWRateLimit:          {"Request rate exceeds the limit, please try again later", "请求频率超出限制，请稍后重试"},
	CodeGWBadGateway:         {"Bad gateway, failed to connect to the backend service", "网关错误，连接后端服务失败"},
	CodeGWBackendTimeout:     {"Request backend service timeout", "请求后端服务超时"},
	// The CMDB answers these two with the template unformatted when it has no
	// argument (RespErrorCodeOnly), so the bare template is their default message.
	CodeCMDBParamsInvalid: {"'%s' data parameter verification does not pass", "'%s' 数据参数校验不通过"},
	CodeCMDBNeedInt:       {"'%s' parameters must be integral", "'%s' 参数必须是整型"},
	CodeCMDBInnerModel:    {"forbidden operate inner model instance with common instance API", "禁止使用通用实例接口操作内置模型实例"},
	CodeCMDBNotFound:      {"No relevant data found", "未找到相关数据"},
	// The tenant filter writes this literal, untranslated.
	CodeTenantInvalid: {"invalid tenant", "invalid tenant"},
	// list_biz_hosts_topo's page checks.
	CodeCMDBParamUnassigned: {"'%s' unassigned", "'%s' 未赋值"},
	CodeCMDBExceedLimit:     {"%s exceed the limit %d", "%s 超过最大限制 %d"},
}

// Other user-facing texts.
var (
	msgESBNoUser       = message{"User authentication failed, please provide a valid user identity, such as bk_token, bk_username", "用户认证失败，请提供有效的用户身份，如 bk_token、bk_username"}
	msgESBBadUser      = message{"User authentication failed, the user does not exist or is not allowed, please provide a valid bk_username", "用户认证失败，用户不存在或未被授权，请提供有效的 bk_username"}
	msgESBBadToken     = message{"User authentication failed, bk_token is invalid or has expired", "用户认证失败，bk_token 无效或已过期"}
	msgESBBadBody      = message{"Parameters error, the request body must be a JSON object", "参数错误，请求体必须是 JSON 对象"}
	msgGWNoAuthHeader  = message{"App authentication failed, please provide bk_app_code and bk_app_secret in the X-Bkapi-Authorization header", "蓝鲸应用认证失败，请在请求头 X-Bkapi-Authorization 中提供 bk_app_code 和 bk_app_secret"}
	msgGWAuthInQuery   = message{"App authentication failed, credentials in request parameters are not accepted, use the X-Bkapi-Authorization header", "蓝鲸应用认证失败，不接受请求参数中的认证信息，请使用请求头 X-Bkapi-Authorization"}
	msgGWNoUser        = message{"User authentication failed, please provide a valid user identity, such as bk_username, bk_token", "用户认证失败，请提供有效的用户身份，如 bk_username、bk_token"}
	msgFaultUnknown    = message{"emulated failure", "模拟故障"}
	msgMethodNotPOST   = message{"only POST is accepted", "仅支持 POST 请求"}
	msgBodyTooLarge    = message{"request body too large", "请求体过大"}
	gatewayCodeNames   = map[int64]string{CodeGWBadAppCredentials: "INVALID_ARGS", CodeGWNoPermission: "APP_NO_PERMISSION", CodeGWNotFound: "API_NOT_FOUND", CodeGWRateLimit: "RATE_LIMIT_RESTRICTION", CodeGWBadGateway: "BAD_GATEWAY", CodeGWBackendTimeout: "REQUEST_BACKEND_TIMEOUT"}
	statusGatewayCodes = map[int]int64{400: CodeGWBadAppCredentials, 403: CodeGWNoPermission, 404: CodeGWNotFound, 429: CodeGWRateLimit, 502: CodeGWBadGateway, 504: CodeGWBackendTimeout}
)

// lang is the language of a request's messages.
type lang bool

const (
	langZH lang = false
	langEN lang = true
)

// requestLang is English when Blueking-Language or X-Bkcmdb-Language says
// "en" (or "en-…"), Chinese otherwise, like the CMDB.
func requestLang(h http.Header) lang {
	for _, name := range []string{"Blueking-Language", "X-Bkcmdb-Language"} {
		v := strings.ToLower(strings.TrimSpace(h.Get(name)))
		if v == "en" || strings.HasPrefix(v, "en-") || strings.HasPrefix(v, "en_") {
			return langEN
		}
	}
	return langZH
}

func (m message) in(l lang) string {
	if l == langEN {
		return m.en
	}
	return m.zh
}

// argMessages are the templates of codes whose default message above is
// already filled in for the seed API.
var argMessages = map[int64]message{
	CodeESBParamRequired: {"Parameters error, param %s is required", "参数错误，参数 %s 为必填项"},
	CodeCMDBParamInvalid: {"'%s' the parameter is invalid or does not exist", "'%s' 参数无效或不存在"},
}

// codeMessagef is the message of code in l with its %s argument filled in.
func codeMessagef(code int64, l lang, arg string) string {
	if m, ok := argMessages[code]; ok {
		return fmt.Sprintf(m.in(l), arg)
	}
	return fmt.Sprintf(codeMessage(code, l), arg)
}

// codeMessage is the default message of code in l.
func codeMessage(code int64, l lang) string {
	if m, ok := defaultMessages[code]; ok {
		return m.in(l)
	}
	return msgFaultUnknown.in(l)
}
