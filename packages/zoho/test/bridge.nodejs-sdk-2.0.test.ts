import { describeBridge } from './bridge-scenarios.js';

describeBridge('nodejs-sdk-2.0');
