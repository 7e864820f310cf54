// The scripted person lives with the sandbox (the demo uses it too); tests import it from here.
export { completeConsent, completeDeviceLogin, type ConsentOptions, type ConsentUser } from '@mailbridge/sandbox';
