import { describeBridge } from './bridge-scenarios.js';

describeBridge('nodejs-sdk-8.0');
