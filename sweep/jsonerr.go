package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
)

// JSONErr describes a JSON decoding error without quoting the document
// (a victim's file may hold secrets): the byte offset of a syntax error,
// the field of a type error.
func JSONErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s has the wrong type", te.Field)
	}
	return "invalid JSON"
}
