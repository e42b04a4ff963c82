// Berth's API reference: Swagger UI on the contract the API serves itself (/api/v1/openapi.yaml).
// A file of its own (no inline script) so the page needs nothing but script-src 'self'.
window.addEventListener('load', function () {
  var contract = new URL('../v1/openapi.yaml', document.baseURI).href;
  window.ui = SwaggerUIBundle({
    url: contract,
    dom_id: '#reference',
    deepLinking: true,
    // Never send the contract to swagger.io's online validator: nothing leaves this origin.
    validatorUrl: null,
    // "Try it out" calls this API with the token pasted under "Authorize"; the token is not kept.
    persistAuthorization: false,
    displayRequestDuration: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
