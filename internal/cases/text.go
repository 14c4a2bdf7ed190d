package cases

import (
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// textFieldErrors walks a command and names every text field (string, *string, in
// nested structs and slices) holding what is not text: invalid UTF-8, or a control
// character other than newline and tab (a carriage return only in CRLF, which HTML
// forms send). PostgreSQL refuses NUL in text columns, and terminal escapes in notes
// are a trap for whoever reads them later: both are refused at the edge, so no
// note accepted here can be refused by the database afterwards. It walks the value
// rather than relying on a tag, so a new field cannot be forgotten.
func textFieldErrors(v any) []FieldError {
	var out []FieldError
	walkText(reflect.ValueOf(v), "", &out)
	return out
}

func walkText(v reflect.Value, path string, out *[]FieldError) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkText(v.Elem(), path, out)
		}
	case reflect.String:
		if msg := textProblem(v.String()); msg != "" {
			*out = append(*out, FieldError{Field: path, Message: msg})
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkText(v.Index(i), path+"["+strconv.Itoa(i)+"]", out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				walkText(v.Field(i), path, out)
				continue
			}
			if path != "" {
				name = path + "." + name
			}
			walkText(v.Field(i), name, out)
		}
	}
}

// textProblem says what is wrong with s as text, or "".
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	for i, r := range s {
		if r == '\n' || r == '\t' || (r == '\r' && i+1 < len(s) && s[i+1] == '\n') {
			continue
		}
		if unicode.IsControl(r) {
			return "must not contain control characters (only newline and tab): found U+" + strings.ToUpper(strconv.FormatInt(int64(r), 16)) + " at byte " + strconv.Itoa(i)
		}
	}
	return ""
}
