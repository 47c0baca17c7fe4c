import { assertAnswersDescribed } from './openapi-contract';

// Every answer a test received from the test app must be described by the app's OpenAPI document.
afterEach(() => {
  assertAnswersDescribed();
});
