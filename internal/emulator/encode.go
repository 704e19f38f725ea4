package emulator

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendInstanceJSON appends the CMDB record of in, keys in the CMDB's order,
// labels sorted by key (null when unset).
func appendInstanceJSON(b []byte, in *Instance) []byte {
	b = append(b, `{"bk_biz_id":`...)
	b = strconv.AppendInt(b, in.BizID, 10)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, in.ID, 10)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, in.Name)
	b = append(b, `,"labels":`...)
	if in.Labels == nil {
		b = append(b, "null"...)
	} else {
		keys := make([]string, 0, len(in.Labels))
		for k := range in.Labels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, in.Labels[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"service_template_id":`...)
	b = strconv.AppendInt(b, in.ServiceTemplateID, 10)
	b = append(b, `,"bk_host_id":`...)
	b = strconv.AppendInt(b, in.HostID, 10)
	b = append(b, `,"bk_module_id":`...)
	b = strconv.AppendInt(b, in.ModuleID, 10)
	b = append(b, `,"creator":`...)
	b = appendJSONString(b, in.Creator)
	b = append(b, `,"modifier":`...)
	b = appendJSONString(b, in.Modifier)
	b = append(b, `,"create_time":`...)
	b = appendJSONString(b, in.CreateTime)
	b = append(b, `,"last_time":`...)
	b = appendJSONString(b, in.LastTime)
	b = append(b, `,"bk_supplier_account":`...)
	b = appendJSONString(b, in.SupplierAccount)
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Control characters are
// escaped as \u00XX and invalid UTF-8 becomes U+FFFD, like encoding/json
// (which additionally escapes <, > and &; the CMDB's encoder does too, so do we).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
