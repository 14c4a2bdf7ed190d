// Package payloadcodec encrypts every Temporal payload cep writes (workflow, update,
// signal, query and activity arguments and results, child workflows, continue-as-new
// state, failure messages) with AES-256-GCM, so that the Temporal server, its database
// and its web UI never hold a person's data in clear.
//
// Keys come from CEP_PAYLOAD_KEYS, a comma-separated "id:base64" list of 32-byte keys:
// the first encrypts, every one decrypts, so a new key is prepended and the old ones kept
// until the histories they encrypted have expired. The key ID travels in each payload's
// metadata. A payload without the encryption marker (written before the codec existed)
// is passed through unchanged, so running cases and recorded histories keep working.
package payloadcodec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

const (
	// EncodingEncrypted is the metadata encoding of an encrypted payload (the name
	// Temporal's samples and tools use).
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the metadata entry holding the ID of the encrypting key.
	MetadataKeyID = "encryption-key-id"
	// KeySize is the length of an AES-256 key in bytes.
	KeySize = 32
)

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Keys are the payload keys in order: Keys[0] encrypts.
type Keys struct {
	ids   []string
	aeads map[string]cipher.AEAD
}

// ParseKeys reads a CEP_PAYLOAD_KEYS value. Errors name the entry by position and ID,
// never its key material.
func ParseKeys(s string) (*Keys, error) {
	k := &Keys{aeads: map[string]cipher.AEAD{}}
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok || !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("entry %d is not id:base64 (the ID: 1 to 64 letters, digits, '.', '_' or '-')", i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("key %q is not standard base64", id)
		}
		if len(raw) != KeySize {
			return nil, fmt.Errorf("key %q has %d bytes, want %d (openssl rand -base64 32)", id, len(raw), KeySize)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("key ID %q appears twice", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.ids = append(k.ids, id)
		k.aeads[id] = aead
	}
	if len(k.ids) == 0 {
		return nil, errors.New("no key: want id:base64 of 32 random bytes, for example k1:$(openssl rand -base64 32)")
	}
	return k, nil
}

// ActiveID is the ID of the key that encrypts.
func (k *Keys) ActiveID() string { return k.ids[0] }

// Codec is the converter.PayloadCodec that encrypts with the first key and decrypts
// with any.
type Codec struct{ keys *Keys }

// NewCodec makes the codec of keys.
func NewCodec(keys *Keys) *Codec { return &Codec{keys: keys} }

var _ converter.PayloadCodec = (*Codec)(nil)

// Encode encrypts each payload, whole (metadata and data), so that not even its type
// or encoding shows.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.keys.ids[0]
	aead := c.keys.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := p.Marshal()
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: marshal: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, fmt.Errorf("payloadcodec: nonce: %w", err)
		}
		// The key ID is authenticated data: a payload cannot be passed off as
		// encrypted with another key.
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(id),
			},
			Data: aead.Seal(nonce, nonce, plain, []byte(id)),
		}
	}
	return out, nil
}

// Decode decrypts the payloads this codec encrypted and passes any other through
// unchanged: those written before payloads were encrypted still read.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.keys.aeads[id]
		if !ok {
			return payloads, fmt.Errorf("payloadcodec: payload encrypted with key %q, which CEP_PAYLOAD_KEYS does not hold", id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize()+aead.Overhead() {
			return payloads, errors.New("payloadcodec: encrypted payload too short")
		}
		n := aead.NonceSize()
		plain, err := aead.Open(nil, data[:n], data[n:], []byte(id))
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: payload does not decrypt with key %q: %w", id, err)
		}
		dec := &commonpb.Payload{}
		if err := dec.Unmarshal(plain); err != nil {
			return payloads, fmt.Errorf("payloadcodec: decrypted payload: %w", err)
		}
		out[i] = dec
	}
	return out, nil
}

// DataConverter is the converter every cep client, worker and replayer uses: the SDK's
// default converter with payloads encrypted by keys.
func DataConverter(keys *Keys) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), NewCodec(keys))
}

// FailureConverter moves failure messages and stack traces into an encrypted payload
// too: an activity error may quote what it was working on.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: dc, EncodeCommonAttributes: true,
	})
}
