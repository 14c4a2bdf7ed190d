package cases

import (
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// newValidator reports fields by their JSON names, which are also the console's form
// field names: both faces show the same error next to the same field.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	_ = v.RegisterValidation("date", func(fl validator.FieldLevel) bool {
		_, err := ParseDate(fl.Field().String())
		return err == nil
	})
	return v
}

var validate = newValidator()

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

// Validate checks a command's shape against its `validate` tags, and that every text
// field of it is text (textFieldErrors), and answers an Invalid error naming every
// field at fault, or nil.
func Validate(v any) error {
	fields := textFieldErrors(v)
	err := validate.Struct(v)
	var verrs validator.ValidationErrors
	switch {
	case err == nil:
	case errors.As(err, &verrs):
		for _, fe := range verrs {
			fields = append(fields, FieldError{Field: fieldPath(fe.Namespace()), Message: fieldMessage(fe)})
		}
	default:
		return Invalid(err.Error())
	}
	if len(fields) == 0 {
		return nil
	}
	return Invalid("some fields are invalid", fields...)
}

// fieldPath turns "CreateCase.beneficiary.first_name" into "beneficiary.first_name".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func fieldMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "email":
		return "must be an email address"
	case "date":
		return "must be a date written YYYY-MM-DD"
	case "max":
		return "must be at most " + fe.Param() + " long or large"
	case "min":
		return "must be at least " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "lte":
		return "must be at most " + fe.Param()
	case "gt":
		return "must be greater than " + fe.Param()
	case "len":
		return "must have length " + fe.Param()
	case "numeric":
		return "must contain digits only"
	case "uuid":
		return "must be a UUID"
	default:
		return "fails the " + fe.Tag() + " rule"
	}
}
